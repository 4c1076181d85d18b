import { readFile } from "node:fs/promises";
import { type Page } from "@playwright/test";
import { openRequestsAsOlivia } from "./datazone";
import { expect, open, signIn, test } from "./helpers";

async function requestAccess(page: Page, asset: string, project: string, reason: string, days?: number) {
  await open(page, "/catalog");
  await page.getByLabel("Search").fill(asset);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByTestId("catalog-results").getByRole("link", { name: asset, exact: true }).click();
  await expect(page.getByTestId("asset-name")).toHaveText(asset);
  await page.getByLabel("For project").selectOption({ label: project });
  await page.getByLabel("Reason").fill(reason);
  if (days) await page.getByLabel(/Days of access/).fill(String(days));
  await page.getByRole("button", { name: "Request access" }).click();
  await expect(page).toHaveURL(/\/subscriptions\//);
  await expect(page.getByTestId("subscription-asset")).toHaveText(asset);
}

test("a lead asks for data; a rule, a steward and a bulk run decide; the lead sees every outcome", async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  page.on("dialog", (dialog) => dialog.accept());
  await openRequestsAsOlivia(20);

  // The sales steward sets a rule: marketing projects get sales data for up to 90 days.
  const steward = await browser.newPage();
  await signIn(steward, "dave");
  await open(steward, "/rules");
  await steward.getByRole("button", { name: "New rule" }).click();
  await steward.getByLabel("Name").fill("Marketing reads sales for a quarter");
  await steward
    .getByRole("group", { name: "Subscriber's domain unit is one of" })
    .getByLabel("MarketingAnalytics", { exact: true })
    .check();
  await steward.getByLabel("Access period at most (days)").fill("90");
  await steward.getByRole("button", { name: "Dry run on the queue" }).click();
  await expect(steward.getByTestId("dry-run")).toContainText("this rule would decide 0");
  await steward.getByRole("button", { name: "Save rule" }).click();
  await expect(steward.getByTestId("rules")).toContainText("Marketing reads sales for a quarter");

  // The lead finds assets by search and asks for access for their projects.
  await signIn(page, "erin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Catalog" }).click();
  await page.getByLabel("Search").fill("forecast");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/catalog\?q=forecast/);
  await expect(page.getByTestId("catalog-results")).toContainText("revenue_forecast_quarterly");
  await requestAccess(page, "bookings_forecast_monthly", "CustomerChurnModel-v2 Dev", "Renewal forecast as a churn feature", 60);
  await requestAccess(page, "forecast_accuracy", "CustomerChurnModel-v2 Staging", "Calibrate churn scores against forecasts");
  await requestAccess(page, "scenario_assumptions", "CustomerChurnModel-v2 Staging", "Scenario inputs for churn what-ifs");

  // The rule took the first one without anybody looking.
  await open(page, "/subscriptions");
  const auto = page.locator("[data-project='CustomerChurnModel-v2 Dev'] [data-asset='bookings_forecast_monthly']");
  await expect(auto.locator("[data-status]")).toHaveText("Accepted", { timeout: 30_000 });
  await auto.getByRole("link").click();
  await expect(page.getByTestId("rule-reason")).toContainText("Marketing reads sales for a quarter");

  // The steward accepts one and rejects another with a comment, from the inbox.
  await open(steward, "/inbox");
  await steward.getByTestId("inbox").getByRole("link", { name: "forecast_accuracy" }).click();
  await expect(steward.getByTestId("subscription-asset")).toHaveText("forecast_accuracy");
  await steward.getByRole("button", { name: "Accept", exact: true }).click();
  await expect(steward.locator("[data-status]").first()).toHaveText("Accepted", { timeout: 30_000 });
  await open(steward, "/inbox");
  await steward.getByTestId("inbox").getByRole("link", { name: "scenario_assumptions" }).click();
  await expect(steward.getByTestId("subscription-asset")).toHaveText("scenario_assumptions");
  await steward.getByLabel("Comment").fill("Scenario inputs are draft; use bookings_forecast_monthly.");
  await steward.getByRole("button", { name: "Reject", exact: true }).click();
  await expect(steward.locator("[data-status]").first()).toHaveText("Rejected", { timeout: 30_000 });

  // Then accepts Olivia's twenty, made in SageMaker Unified Studio, in one go.
  await open(steward, "/inbox?q=Olivia");
  await expect(steward.getByTestId("inbox-count")).toHaveText("1–20 of 20");
  await steward.getByRole("checkbox", { name: "Select every pending request on this page" }).check();
  await steward.getByLabel(/Decision comment/).fill("Approved for cross-team reporting");
  await steward.getByRole("button", { name: "Accept selected" }).click();
  const progress = steward.getByTestId("run-progress");
  await expect(progress).toHaveAttribute("data-finished", "true", { timeout: 60_000 });
  await expect(progress).toContainText("20 of 20 decided");
  await open(steward, "/inbox?q=Olivia&status=accepted");
  await expect(steward.getByTestId("inbox-count")).toHaveText("1–20 of 20");
  await steward.close();

  // The lead sees every outcome, and why the third was turned down.
  await open(page, "/subscriptions");
  const staging = page.locator("[data-project='CustomerChurnModel-v2 Staging']");
  await expect(staging.locator("[data-asset='forecast_accuracy'] [data-status]")).toHaveText("Accepted");
  await expect(staging.locator("[data-asset='scenario_assumptions'] [data-status]")).toHaveText("Rejected");
  await expect(staging.locator("[data-asset='scenario_assumptions']").getByTestId("rejection")).toContainText(
    "Scenario inputs are draft",
  );

  // A platform admin reads the same story in the reports and the audit log.
  const admin = await browser.newPage();
  await signIn(admin, "alice");
  await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
  await expect(admin.getByTestId("chart-statuses").locator("svg")).toBeVisible();
  await expect(admin.getByTestId("chart-statuses").locator("[data-bar='accepted']")).toBeVisible();
  await expect(admin.getByTestId("chart-top-assets").locator("svg")).toBeVisible();
  await expect(admin.getByTestId("decision-times").locator("[data-group='Rules'] td").nth(1)).toHaveText("1");

  await open(admin, "/audit?actor=dave&action=subscription.accepted");
  const rows = admin.getByTestId("audit-rows").locator("tbody tr");
  await expect(rows).toHaveCount(21); // forecast_accuracy and the twenty
  const download = admin.waitForEvent("download");
  await admin.getByRole("link", { name: "Export CSV" }).click();
  const lines = (await readFile((await (await download).path())!, "utf8")).trim().split("\n");
  expect(lines.length - 1).toBe(21);

  await open(admin, "/reports/access");
  await admin.getByLabel("Asset, project or user name (or id)").fill("forecast_accuracy");
  await admin.getByRole("button", { name: "Show" }).click();
  await expect(admin.getByTestId("access-title")).toHaveText("Who has access to forecast_accuracy");
  const granted = admin.getByTestId("access-rows").locator("[data-project='CustomerChurnModel-v2 Staging']");
  await expect(granted).toHaveAttribute("data-access", "approved");
  await expect(granted).toContainText("dave");
  await expect(granted.getByTestId("grants")).not.toBeEmpty();
  await admin.close();
});
