import { expect, open, signIn, test } from "./helpers";

test("a producing lead describes a draft, tags it, publishes it and finds it in the catalog", async ({ page }) => {
  test.setTimeout(120_000);
  // trent owns CustomerSuccessInsights Dev, whose health score table is still a draft.
  await signIn(page, "trent");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My data" }).click();
  const inventory = page.getByTestId("inventory");
  await expect(inventory).toContainText("customer_health_scores_draft");
  await inventory.getByRole("link", { name: "customer_health_scores_draft" }).click();
  await expect(page.getByTestId("asset-name")).toHaveText("customer_health_scores_draft");
  await expect(page.getByTestId("publication")).toHaveText("Draft");

  // A name DataZone would refuse is caught before anything is written.
  await page.getByRole("textbox", { name: "Name", exact: true }).fill("");
  await page.getByRole("button", { name: "Save as new revision" }).click();
  await expect(page.getByText("Give the asset a name.")).toBeVisible();

  await page.getByRole("textbox", { name: "Name", exact: true }).fill("customer_health_scores");
  await page.getByRole("textbox", { name: /^Description/ }).fill("Health score per **customer**, from support and usage signals.");
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(page.getByTestId("description-preview").locator("strong")).toHaveText("customer");
  await page.getByRole("button", { name: "Write" }).click();
  await page.getByTestId("term-picker").getByRole("checkbox", { name: "Churn", exact: true }).check();
  await page.getByRole("button", { name: "Save as new revision" }).click();
  await expect(page.getByRole("status")).toHaveText("Saved as revision 2.");
  await expect(page.getByTestId("asset-name")).toHaveText("customer_health_scores");
  await expect(page.getByTestId("revisions")).toContainText("Revision 2");
  await expect(page.getByTestId("changes")).toContainText("revision 2: name, description, glossary terms (+1, −0)");

  await expect(page.getByTestId("entry-preview")).toContainText("Health score per customer");
  await page.getByRole("button", { name: "Publish revision 2" }).click();
  await expect(page.getByTestId("publication")).toHaveText("Published");
  await expect(page.getByTestId("catalog-state")).toHaveText("The catalog shows revision 2.");

  // What the catalog now shows is the new revision.
  await open(page, "/catalog");
  await page.getByLabel("Search").fill("customer_health_scores");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("catalog-results")).toContainText("Health score per");
  await page.getByTestId("catalog-results").getByRole("link", { name: "customer_health_scores", exact: true }).click();
  await expect(page.getByTestId("asset-name")).toHaveText("customer_health_scores");
});

test("a producing lead adds a Glue table that no data source brought in as a draft asset", async ({ page }) => {
  await signIn(page, "trent");
  await open(page, "/data");
  await page.getByRole("button", { name: "Add a Glue table" }).click();
  const form = page.getByRole("form", { name: "Add a Glue table" });
  await form.getByLabel("AWS account").fill("12345");
  await form.getByLabel("Glue database").fill("customer_success");
  await form.getByLabel("Glue table").fill("churn_outreach_log");
  await form.getByRole("button", { name: "Add as draft" }).click();
  await expect(form.getByText("An AWS account id is 12 digits.")).toBeVisible();
  await form.getByLabel("AWS account").fill("123456789012");
  await form.getByLabel(/^Description/).fill("Every outreach call made to an account at risk.");
  await form.getByRole("button", { name: "Add as draft" }).click();
  await expect(page.getByTestId("asset-name")).toHaveText("churn_outreach_log");
  await expect(page.getByTestId("publication")).toHaveText("Draft");
  await expect(page.getByTestId("changes")).toContainText("added from arn:aws:glue:");
});

test("a producing lead fills a metadata form, groups assets into a data product and publishes it; a consumer asks and a steward decides", async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  await signIn(page, "trent");
  await open(page, "/data");
  await page.getByTestId("inventory").getByRole("link", { name: "support_tickets_daily" }).click();
  await expect(page.getByTestId("asset-name")).toHaveText("support_tickets_daily");

  // A form of the domain's type, its fields typed; a required field left empty is caught.
  await page.getByLabel("Attach a metadata form").selectOption("DataQualityForm");
  const form = page.getByRole("region", { name: "DataQualityForm" });
  await expect(form.getByLabel(/How often the data is refreshed/)).toBeVisible();
  await page.getByRole("button", { name: "Save as new revision" }).click();
  await expect(form.getByText("The person who answers for the data's quality is required.")).toBeVisible();
  await form.getByLabel(/The person who answers/).fill("Trent Tran");
  await form.getByLabel(/How often the data is refreshed/).selectOption("DAILY");
  await form.getByLabel(/Share of quality checks/).fill("ninety");
  await page.getByRole("button", { name: "Save as new revision" }).click();
  await expect(form.getByText("Enter a whole number.")).toBeVisible();
  await form.getByLabel(/Share of quality checks/).fill("96");
  await form.getByLabel(/Certified by the data governance board/).check();
  await page.getByRole("button", { name: "Save as new revision" }).click();
  await expect(page.getByRole("status")).toHaveText("Saved as revision 2.");
  await expect(page.getByTestId("changes")).toContainText("forms (DataQualityForm)");
  await page.getByRole("button", { name: "Publish revision 2" }).click();
  await expect(page.getByTestId("publication")).toHaveText("Published");

  // Two assets become one data product, published with a click.
  await open(page, "/data");
  await page.getByRole("link", { name: "New data product" }).click();
  await expect(page.getByTestId("product-name")).toHaveText("New data product");
  await page.getByRole("button", { name: "Create data product" }).click();
  await expect(page.getByText("Give the data product a name.")).toBeVisible();
  await page.getByRole("textbox", { name: "Name", exact: true }).fill("Customer health signals");
  await page.getByRole("textbox", { name: /^Description/ }).fill("Support tickets and **NPS answers**, per customer.");
  await page.getByRole("button", { name: "Create data product" }).click();
  await expect(page.getByText("Choose at least one asset for the product.")).toBeVisible();
  const picker = page.getByTestId("asset-picker");
  await picker.getByRole("checkbox", { name: "support_tickets_daily" }).check();
  await picker.getByRole("checkbox", { name: "nps_survey_responses" }).check();
  await page.getByRole("button", { name: "Create data product" }).click();
  await expect(page).toHaveURL(/\/data\/products\/[\w-]+$/);
  await expect(page.getByTestId("product-name")).toHaveText("Customer health signals");
  // The product's own badge sits by its name, before those of its assets.
  const state = page.getByTestId("publication").first();
  await expect(state).toHaveText("Draft");
  await page.getByRole("button", { name: "Publish revision 1" }).click();
  await expect(state).toHaveText("Published");
  // Its access terms: a steward still approves; 30 days unless asked otherwise, at most 90.
  const terms = page.getByRole("form", { name: "Access terms" });
  await terms.getByLabel("Default period (days)").fill("120");
  await terms.getByLabel("Longest period (days)").fill("90");
  await terms.getByRole("button", { name: "Save terms" }).click();
  await expect(terms.getByText("The default period cannot be longer than the longest one.")).toBeVisible();
  await terms.getByLabel("Default period (days)").fill("30");
  await terms.getByRole("button", { name: "Save terms" }).click();
  await expect(page.getByTestId("terms-summary")).toHaveText(
    "A steward approves each request; access runs 30 days by default, at most 90.",
  );
  await open(page, "/data");
  await expect(page.getByTestId("products")).toContainText("Customer health signals");

  // A consumer finds the product, sees what it holds, and asks for it.
  const consumer = await browser.newPage();
  await signIn(consumer, "grace");
  await open(consumer, "/catalog");
  await consumer.getByLabel("Search").fill("Customer health signals");
  await consumer.getByRole("button", { name: "Search" }).click();
  await expect(consumer.getByTestId("catalog-results")).toContainText("Data product");
  await consumer.getByTestId("catalog-results").getByRole("link", { name: "Customer health signals" }).click();
  await expect(consumer.getByTestId("product-assets")).toContainText("support_tickets_daily");
  await expect(consumer.getByTestId("product-assets")).toContainText("nps_survey_responses");
  await expect(consumer.getByTestId("access-terms")).toContainText("at most 90");
  await expect(consumer.getByLabel(/Days of access/)).toHaveValue("30");
  await consumer.getByLabel("For project").selectOption({ label: "RevenueForecast Dev" });
  await consumer.getByLabel("Reason").fill("Support load as a leading indicator for renewals");
  await consumer.getByRole("button", { name: "Request access" }).click();
  await expect(consumer).toHaveURL(/\/subscriptions\//);
  await expect(consumer.getByTestId("subscription-asset")).toHaveText("Customer health signals");

  // One of the unit's stewards decides it from the inbox like any request.
  const steward = await browser.newPage();
  await signIn(steward, "rupert");
  await open(steward, "/inbox");
  await steward.getByTestId("inbox").getByRole("link", { name: "Customer health signals" }).click();
  await expect(steward.getByTestId("subscription-asset")).toHaveText("Customer health signals");
  await steward.getByRole("button", { name: "Accept", exact: true }).click();
  await expect(steward.locator("[data-status]").first()).toHaveText("Accepted", { timeout: 30_000 });
});
