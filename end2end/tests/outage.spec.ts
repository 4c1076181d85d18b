import { expect, test } from "@playwright/test";

// Run by `cargo xtask test` with the database stopped (the @outage tag selects it).
test.describe("@outage with the database down", () => {
  test("readiness answers 503", async ({ request }) => {
    const response = await request.get("/readyz");
    expect(response.status()).toBe(503);
    expect(await response.json()).toMatchObject({ status: "not ready" });
  });

  test("the overview explains the problem and offers a retry", async ({ page }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    const alert = page.getByRole("alert");
    await expect(alert).toContainText("can't reach its database");
    await expect(alert.getByRole("button", { name: "Try again" })).toBeVisible();
  });
});
