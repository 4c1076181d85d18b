import { expect, open, PASSWORD, test, watch } from "./helpers";

test("a platform admin binds a CI pipeline to a product, sees how to wire it, and unbinds it", async ({ page, baseURL }) => {
  test.setTimeout(90_000);
  // Signs in as Alice, noting the local IdP's address: it publishes an OpenID discovery
  // document and keys, as GitLab and GitHub do for their jobs' ID tokens.
  watch(page);
  await page.goto("/");
  await page.getByRole("link", { name: "Sign in with your company account" }).click();
  await expect(page).toHaveTitle("Meshgate local sign-in");
  const issuer = new URL(page.url()).origin;
  await page.getByLabel("Username").fill("alice");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("user-menu")).toBeVisible();

  await open(page, "/admin");
  await page.getByRole("link", { name: "Pipelines" }).click();
  await expect(page.getByRole("heading", { name: "Pipelines", level: 1 })).toBeVisible();
  await expect(page.getByText(`aud: ${baseURL}`)).toBeVisible();

  // Bad input is explained next to its field and nothing is bound.
  await page.getByRole("button", { name: "Bind pipeline" }).click();
  await expect(page.getByText("Name the pipeline")).toBeVisible();
  await page.getByLabel("Name", { exact: true }).fill("sales-orders deploy");
  await page.getByLabel("Issuer").fill("http://127.0.0.1:9");
  await page.getByLabel("Project path or repository").fill("data/sales-orders");
  await page.getByLabel("Product", { exact: true }).fill("Sales Orders");
  await page.getByLabel("Acts for (username)").fill("frank");
  await page.getByRole("button", { name: "Bind pipeline" }).click();
  await expect(page.getByText("The issuer could not be used")).toBeVisible();

  await page.getByLabel("Issuer").fill(issuer);
  await page.getByRole("button", { name: "Bind pipeline" }).click();
  const list = page.getByTestId("pipeline-list");
  await expect(list).toContainText("sales-orders deploy");
  await expect(list).toContainText("data/sales-orders @ refs/heads/main");
  await expect(list).toContainText("Sales Orders · acts for frank · read, projects · Never used");

  await page.getByRole("button", { name: "Unbind sales-orders deploy" }).click();
  await expect(page.getByText("No pipelines yet")).toBeVisible();
});
