import { expect, SAVED_SESSION, signIn, test } from "./helpers";

test("an anonymous visitor is offered sign-in and no navigation", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Sign in to Meshgate" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link")).toHaveCount(0);
  await expect(page.getByText("Recent activity")).toHaveCount(0);
});

test("a team lead signs in, sees the overview hydrated, and signs out", async ({ page, baseURL }) => {
  // Script errors and console errors (CSP violations among them) on the portal's pages;
  // the IdP's own pages are not the portal's business.
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && page.url().startsWith(baseURL!)) errors.push(`${m.text()} at ${m.location().url}`);
  });
  await signIn(page, "zoe");
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("roles")).toHaveText("Team lead");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  const domain = page.getByTestId("domain");
  await expect(domain).toContainText("enterprise-data-mesh");
  await expect(domain.getByRole("link", { name: "Open SageMaker Unified Studio" })).toHaveAttribute("href", /^https:\/\//);
  await expect(page.getByTestId("activity-list")).toContainText("auth.signed_in");

  // Only the hydrated page answers this click with a server-function call.
  const refresh = page.waitForResponse((r) => r.url().includes("/api/recent_activity") && r.request().method() === "POST");
  await page.getByRole("button", { name: "Refresh" }).click();
  expect((await refresh).status()).toBe(200);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "You're signed out" })).toBeVisible();
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Sign in to Meshgate" })).toBeVisible();
  expect(errors).toEqual([]);
});

test("a data steward sees the steward role", async ({ page }) => {
  await signIn(page, "carol");
  await expect(page.getByTestId("roles")).toHaveText("Team lead · Data steward");
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
});

test("a platform admin sees every role and everyone's activity", async ({ page }) => {
  await signIn(page, "alice");
  await expect(page.getByTestId("roles")).toHaveText("Team lead · Data steward · Platform admin");
  // Other people's events, whatever earlier tests did: carol signed in just before.
  const activity = page.getByTestId("activity-list");
  await expect(activity).toContainText("carol auth.signed_in");
});

test("sign-in returns to the page the person asked for", async ({ page }) => {
  await page.goto("/no-such-page");
  await page.getByRole("link", { name: "Sign in" }).first().click();
  await page.getByLabel("Username").fill("zoe");
  await page.getByLabel("Password").fill("meshgate");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/no-such-page$/);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("the navigation menu opens on a narrow screen", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await signIn(page, "zoe");
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

test("a signed-in session is kept for the database-outage checks", async ({ page }) => {
  await signIn(page, "erin");
  await page.context().storageState({ path: SAVED_SESSION });
});
