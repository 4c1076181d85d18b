import { expect, SAVED_SESSION, test } from "./helpers";

// Run by `cargo xtask test` with the database stopped (the @outage tag selects it), after
// the main run saved a signed-in session.
test.describe("@outage with the database down", () => {
  test.use({ storageState: SAVED_SESSION });

  test("readiness answers 503", async ({ request }) => {
    const response = await request.get("/readyz");
    expect(response.status()).toBe(503);
    expect(await response.json()).toMatchObject({ status: "not ready" });
  });

  test("a signed-in person is told the database is unreachable and offered a retry", async ({ page }) => {
    const response = await page.goto("/");
    // Pages are sent whole, with the status of what they could not load.
    expect(response?.status()).toBe(503);
    const alert = page.getByRole("alert");
    await expect(alert).toContainText("can't reach its database");
    await expect(alert.getByRole("button", { name: "Try again" })).toBeVisible();
  });
});
