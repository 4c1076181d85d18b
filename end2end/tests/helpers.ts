import { expect, type Page } from "@playwright/test";

/** The demo password of every local IdP account. */
export const PASSWORD = "meshgate";

/** Where the outage checks find a signed-in session made while the database was up. */
export const SAVED_SESSION = ".auth/signed-in.json";

/** Opens `path` and waits until the page is hydrated, so clicks reach the page's handlers. */
export async function open(page: Page, path: string) {
  await page.goto(path);
  await page.waitForLoadState("networkidle");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

/** Signs in through the portal's sign-in link and the local IdP's login form. */
export async function signIn(page: Page, username: string) {
  await page.goto("/");
  await page.getByRole("link", { name: "Sign in with your company account" }).click();
  await expect(page).toHaveTitle("Meshgate local sign-in");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("user-menu")).toBeVisible();
  // The page is hydrated (its wasm loaded and run) before the test clicks around in it.
  await page.waitForLoadState("networkidle");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}
