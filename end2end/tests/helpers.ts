import { test as base, expect, type Page } from "@playwright/test";

/** The demo password of every local IdP account. */
export const PASSWORD = "meshgate";

/** Where the outage checks find a signed-in session made while the database was up. */
export const SAVED_SESSION = ".auth/signed-in.json";

/** What broke in the portal's pages during the current test: uncaught script errors
 * (a hydration panic among them: the page then stays server-rendered and dead) and Rust
 * panics reported to the console. */
const broken: string[] = [];
const watched = new WeakSet<Page>();

/** Collects `page`'s script errors and panics for the end-of-test check. */
export function watch(page: Page) {
  if (watched.has(page)) return;
  watched.add(page);
  page.on("pageerror", (e) => broken.push(`${page.url()}: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && m.text().includes("panicked at")) broken.push(`${page.url()}: ${m.text()}`);
  });
}

/** Playwright's `test`, failing any test in whose pages a script error or panic happened. */
export const test = base.extend<{ noScriptErrors: void }>({
  noScriptErrors: [
    async ({ page }, use) => {
      broken.length = 0;
      watch(page);
      await use();
      expect(broken, "script errors or panics in the portal's pages").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Opens `path` as a person would: the next step acts as soon as what it needs is visible,
 * without waiting for the page's wasm (clicks made before it runs are replayed). */
export async function open(page: Page, path: string) {
  watch(page);
  await page.goto(path);
}

/** Signs in through the portal's sign-in link and the local IdP's login form. */
export async function signIn(page: Page, username: string) {
  watch(page);
  await page.goto("/");
  await page.getByRole("link", { name: "Sign in with your company account" }).click();
  await expect(page).toHaveTitle("Meshgate local sign-in");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("user-menu")).toBeVisible();
}
