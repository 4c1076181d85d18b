import { expect, open, signIn, test } from "./helpers";

test("a team lead gets a Dev project, a Prod twin an admin approves, and retires Dev", async ({ page, browser }) => {
  test.setTimeout(180_000);
  page.on("dialog", (dialog) => dialog.accept());
  const product = `Radar ${Date.now().toString(36)}`;

  await signIn(page, "frank");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My projects" }).click();
  await page.getByRole("link", { name: "Request a project" }).click();
  await expect(page.getByRole("heading", { name: "Request a project" })).toBeVisible();

  // A rejected submit keeps what was typed and says what is missing.
  await page.getByLabel("Product name").fill(product);
  await page.getByRole("button", { name: "Submit request" }).click();
  await expect(page.getByText("Choose a domain unit.")).toBeVisible();
  await expect(page.getByLabel("Product name")).toHaveValue(product);

  await page.getByLabel("Domain unit").selectOption({ label: "SalesOperations" });
  await page.getByRole("radio", { name: "Dev" }).check();
  await expect(page.getByLabel("Project name")).toHaveValue(`${product} Dev`);
  await expect(page.getByText("Dev requests here are approved automatically.")).toBeVisible();
  await page.getByLabel("Add a person or group").fill("ivan");
  await page.getByTestId("principal-results").getByRole("button", { name: "Add as contributor" }).first().click();
  await expect(page.getByTestId("members")).toContainText("Ivan Ilic");
  await page.getByRole("button", { name: "Submit request" }).click();

  // The request page follows provisioning without a reload.
  await expect(page).toHaveURL(/\/requests\//);
  const dev = page.url();
  await expect(page.getByTestId("project-name")).toHaveText(`${product} Dev`);
  await expect(page.locator("[data-status]").first()).toHaveText("Active", { timeout: 60_000 });
  await expect(page.getByTestId("steps").locator("li[data-state=done]")).toHaveCount(6);
  await expect(page.getByTestId("portal-link")).toBeVisible();

  // The Prod twin goes to an approver with the same members.
  await page.getByLabel(/Justification/).fill("Ready for production");
  await page.getByRole("button", { name: "Request Prod twin" }).click();
  await expect(page.getByTestId("project-name")).toHaveText(`${product} Prod`);
  await expect(page.locator("[data-status]").first()).toHaveText("Awaiting approval");
  const prod = page.url();

  const admin = await browser.newPage();
  await signIn(admin, "alice");
  await open(admin, "/approvals");
  await admin.getByTestId("approvals").getByRole("link", { name: `${product} Prod` }).click();
  await admin.getByLabel(/Comment/).fill("Approved for launch");
  await admin.getByRole("button", { name: "Approve" }).click();
  await expect(admin.locator("[data-status]").first()).not.toHaveText("Awaiting approval");
  await admin.close();

  await open(page, prod);
  await expect(page.locator("[data-status]").first()).toHaveText("Active", { timeout: 60_000 });
  await expect(page.locator("[data-fact='Decision comment']")).toHaveText("Approved for launch");
  const members = page.getByTestId("project-members");
  await expect(members).toContainText("Ivan Ilic");
  await expect(members).toContainText("Frank Fischer");

  // My projects shows the product's environments side by side.
  await open(page, "/projects");
  const card = page.locator(`[data-product="${product}"]`);
  await expect(card.locator("[data-environment=dev]")).toContainText("Active");
  await expect(card.locator("[data-environment=prod]")).toContainText("Active");

  // Retiring Dev needs no approval; the request and its history stay.
  await open(page, dev);
  await page.getByRole("button", { name: "Retire project" }).click();
  await expect(page.locator("[data-status]").first()).toHaveText("Retired", { timeout: 60_000 });
  await expect(page.getByTestId("history")).toContainText("project.deleted");
});
