import { expect, test } from "@playwright/test";

test("the overview renders on the server with the latest audit events", async ({ request }) => {
  const response = await request.get("/");
  expect(response.status()).toBe(200);
  const html = await response.text();
  expect(html).toContain("Recent activity");
  // A fresh database has exactly one event: the schema migration at start-up.
  expect(html).toContain("schema.migrated");
});

test("the overview hydrates and refreshes through a server function", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("activity-list")).toContainText("schema.migrated");

  // Only the hydrated page can answer this click with a server-function call.
  const refresh = page.waitForResponse((r) => r.url().includes("/api/recent_activity") && r.request().method() === "POST");
  await page.getByRole("button", { name: "Refresh" }).click();
  expect((await refresh).status()).toBe(200);
  await expect(page.getByTestId("activity-list")).toContainText("schema.migrated");
  expect(errors).toEqual([]);
});

test("the overview names the demo mesh's DataZone domain from the emulator", async ({ page }) => {
  await page.goto("/");
  const domain = page.getByTestId("domain");
  await expect(domain).toContainText("enterprise-data-mesh");
  await expect(domain).toContainText("dzd_");
  await expect(domain.getByRole("link", { name: "Open SageMaker Unified Studio" })).toHaveAttribute("href", /^https:\/\//);
});

test("the navigation menu opens on a narrow screen", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto("/");
  const menu = page.getByRole("button", { name: "Menu" });
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(page.getByRole("navigation", { name: "Main (mobile)" })).toBeHidden();
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(page.getByRole("navigation", { name: "Main (mobile)" }).getByRole("link", { name: "Overview" })).toBeVisible();
});

test("an unknown address shows the not-found page with status 404", async ({ page }) => {
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("readiness reports the database and migrations", async ({ request }) => {
  const response = await request.get("/readyz");
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ status: "ready", database: "ok", migrations: "applied" });
});
