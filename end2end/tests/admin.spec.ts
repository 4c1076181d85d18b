import { expect, open, signIn, test } from "./helpers";

test("an admin shapes a new unit and a team lead gets a Dev project there", async ({ page, browser }) => {
  test.setTimeout(180_000);
  page.on("dialog", (dialog) => dialog.accept());
  const name = `Pricing${Date.now().toString(36)}`;

  await signIn(page, "alice");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
  await page.getByTestId("unit-tree").getByRole("link", { name: "SalesOperations", exact: true }).click();
  await expect(page.getByTestId("unit-name")).toHaveText("SalesOperations");
  await page.getByLabel("Name", { exact: true }).last().fill(name);
  await page.getByRole("button", { name: "Create unit" }).click();
  await expect(page.getByTestId("unit-name")).toHaveText(name);
  const unitId = page.url().split("/").pop()!;

  await page.getByLabel("Add an owner").fill("grace");
  await page.getByRole("button", { name: "Add as owner" }).first().click();
  await expect(page.getByTestId("owners")).toContainText("Grace Green");

  await page.getByRole("checkbox", { name: "Staging-Project-Profile" }).check();
  await page.getByRole("button", { name: "Grant", exact: true }).click();
  await expect(page.getByTestId("grants")).toContainText("All users: Staging-Project-Profile");

  const auto = page.getByRole("checkbox", { name: /Approve Dev project requests automatically/ });
  await auto.uncheck();
  await expect(auto).not.toBeChecked();
  await auto.check();
  await expect(auto).toBeChecked();

  const lead = await browser.newPage();
  await signIn(lead, "frank");
  await open(lead, "/projects/new");
  await lead.getByLabel("Product name").fill(`${name}Quotes`);
  await lead.getByLabel("Domain unit").selectOption(unitId);
  await expect(lead.getByRole("radio", { name: "Staging" })).toBeEnabled();
  await lead.getByRole("radio", { name: "Dev" }).check();
  await expect(lead.getByText("Dev requests here are approved automatically.")).toBeVisible();
  await lead.getByRole("button", { name: "Submit request" }).click();
  await expect(lead).toHaveURL(/\/requests\//);
  await expect(lead.locator("[data-fact='Decided by']")).toHaveText("meshgate (auto-approval)");
  await expect(lead.locator("[data-status]").first()).toHaveText("Active", { timeout: 60_000 });
  await lead.close();
});

test("anyone signed in finds a glossary term and the assets that carry it", async ({ page }) => {
  await signIn(page, "zoe");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Glossary" }).click();
  await page.getByLabel("Search terms").fill("churn");
  await expect(page).toHaveURL(/\/glossary\?q=churn$/);
  await page.getByTestId("terms").getByRole("link", { name: "Churn", exact: true }).click();
  await expect(page.getByTestId("term-name")).toHaveText("Churn");
  await expect(page.getByTestId("definition")).toContainText("ending their relationship");
  await expect(page.getByTestId("term-assets")).toContainText("customer_churn_features");
});
