import { gzipSync } from "node:zlib";
import { type Browser, type Page } from "@playwright/test";
import { openRequests, type RequestPlan } from "./datazone";
import { expect, open, signIn, test } from "./helpers";

// Every page, loaded again and again while its data changes underneath (new requests made
// in SageMaker Unified Studio, a bulk decision in flight), must hydrate: a page that does
// not stays server-rendered and every button in it is dead. `cargo xtask bench` runs this
// with ALIVE_LOADS=1000 and FIRST_LOAD=1 and prints the figures.
const LOADS = Number(process.env.ALIVE_LOADS ?? 40);

/** Sybil asks for marketing data for her campaign projects, as in SageMaker Unified Studio. */
const SYBIL: RequestPlan = {
  user: "sybil",
  owners: ["MarketingDataFoundation Prod", "CustomerChurnModel-v2 Prod"],
  subscribers: ["CampaignAttribution Dev", "CampaignAttribution Prod"],
  reason: "Campaign audiences",
};

const PAGES = [
  "/",
  "/projects",
  "/projects/new",
  "/approvals",
  "/catalog",
  "/catalog?q=customer",
  "/data",
  "/subscriptions",
  "/inbox",
  "/inbox?q=Sybil&status=all",
  "/rules",
  "/glossary",
  "/glossary?q=churn",
  "/audit",
  "/reports",
  "/reports/usage",
  "/reports/access?by=asset&value=customer_master",
  "/admin",
];

/** The first link in `testid` on `path`, to reach a page of one thing (an asset, a request…). */
async function firstLink(page: Page, path: string, selector: string): Promise<string> {
  await open(page, path);
  const href = await page.locator(selector).first().getAttribute("href");
  expect(href, `a link matching ${selector} on ${path}`).toBeTruthy();
  return href!;
}

/** Starts a bulk accept of every pending request of Sybil's, and leaves it running. */
async function startBulkAccept(browser: Browser) {
  const steward = await browser.newPage();
  await signIn(steward, "carol");
  await open(steward, "/inbox?q=Sybil");
  await steward.getByRole("checkbox", { name: "Select every pending request on this page" }).check();
  await steward.getByRole("button", { name: "Accept selected" }).click();
  await expect(steward.getByTestId("run-progress")).toBeVisible();
  return steward;
}

test("every page comes alive while its data changes underneath", async ({ page, browser }) => {
  test.setTimeout(Math.max(180_000, LOADS * 2_000));
  expect(await openRequests(SYBIL, 12)).toBe(12);
  await signIn(page, "alice");
  const pages = [
    ...PAGES,
    await firstLink(page, "/inbox?q=Sybil", "[data-testid=inbox] a[href^='/subscriptions/']"),
    await firstLink(page, "/catalog?q=customer", "[data-testid=catalog-results] a[href^='/catalog/']"),
    await firstLink(page, "/admin", "[data-testid=unit-tree] a[href^='/admin/units/']"),
    await firstLink(page, "/glossary?q=churn", "[data-testid=terms] a[href^='/glossary/']"),
  ];
  const steward = await startBulkAccept(browser);

  let dead = 0;
  const deadPages = new Set<string>();
  for (let n = 0; n < LOADS; n++) {
    const path = pages[n % pages.length];
    // More requests arrive while the steward's run decides the first ones.
    if (n % 5 === 0) await openRequests(SYBIL, 1);
    await page.goto(path);
    const alive = await page
      .locator("html[data-hydrated]")
      .waitFor({ state: "attached", timeout: 20_000 })
      .then(() => true, () => false);
    if (!alive) {
      dead += 1;
      deadPages.add(path);
    }
  }
  await steward.close();
  console.log(`hydration: ${LOADS} page loads, ${dead} did not come alive${dead ? ` (${[...deadPages].join(", ")})` : ""}`);
  expect(dead, `pages that stayed dead: ${[...deadPages].join(", ")}`).toBe(0);

  if (process.env.FIRST_LOAD) await printFirstLoads(browser, page, pages);
});

/** What a first visit to each page downloads (JS, wasm, CSS), raw and gzip, with an empty cache. */
async function printFirstLoads(browser: Browser, signedIn: Page, pages: string[]) {
  const state = await signedIn.context().storageState();
  console.log("first load, JS + wasm + CSS a page requests (bytes):");
  console.log(`  ${"page".padEnd(52)} ${"raw".padStart(10)} ${"gzip".padStart(10)}`);
  for (const path of pages) {
    const context = await browser.newContext({ storageState: state });
    const page = await context.newPage();
    const bodies: Promise<Buffer | null>[] = [];
    page.on("response", (response) => {
      const kind = response.request().resourceType();
      if (kind === "script" || kind === "stylesheet" || response.url().endsWith(".wasm")) {
        bodies.push(response.body().catch(() => null));
      }
    });
    await page.goto(path);
    await page.locator("html[data-hydrated]").waitFor({ state: "attached", timeout: 20_000 });
    let raw = 0;
    let gzip = 0;
    for (const body of await Promise.all(bodies)) {
      if (!body) continue;
      raw += body.length;
      gzip += gzipSync(body, { level: 9 }).length;
    }
    const verdict = gzip <= 250 * 1024 ? "within" : "OVER";
    console.log(`  ${path.padEnd(52)} ${String(raw).padStart(10)} ${String(gzip).padStart(10)}  ${verdict} 250 KiB`);
    await context.close();
  }
}
