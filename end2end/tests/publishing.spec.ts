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
