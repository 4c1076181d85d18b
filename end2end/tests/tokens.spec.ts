import { expect, open, signIn, test } from "./helpers";

test("a team lead makes a token for a pipeline, the pipeline calls the API with it, and the lead revokes it", async ({ page, request }) => {
  test.setTimeout(90_000);
  // grace leads RevenueForecast; she is no platform admin, so she cannot give the admin scope.
  await signIn(page, "grace");
  await page.getByTestId("user-menu").getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByRole("heading", { name: "API tokens", level: 1 })).toBeVisible();
  await expect(page.getByRole("checkbox", { name: /^admin/ })).toBeDisabled();

  // Bad input is explained next to its field and nothing is made.
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByText("Give the token a name")).toBeVisible();

  await page.getByLabel("Name").fill("github: revenue-forecast deploy");
  await page.getByRole("checkbox", { name: /^subscriptions/ }).check();
  await page.getByRole("button", { name: "Create token" }).click();
  const created = page.getByTestId("new-token");
  await expect(created).toContainText("Token “github: revenue-forecast deploy” created");
  const secret = await page.getByRole("textbox", { name: "Token", exact: true }).inputValue();
  expect(secret).toMatch(/^mgp_[0-9a-f]{64}$/);
  const list = page.getByTestId("token-list");
  await expect(list).toContainText("github: revenue-forecast deploy");
  await expect(list).toContainText("read, subscriptions");
  await expect(list).toContainText("Never used");

  // The pipeline's call, as curl would make it.
  const me = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).username).toBe("grace");

  await open(page, "/tokens");
  await expect(page.getByTestId("token-list")).toContainText("Last used");
  await page.getByRole("button", { name: "Revoke github: revenue-forecast deploy" }).click();
  await expect(page.getByTestId("token-list")).toContainText("Revoked");
  const after = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${secret}` } });
  expect(after.status()).toBe(401);
  expect(after.headers()["content-type"]).toBe("application/problem+json");
});

test("anyone reads how to call the API", async ({ page }) => {
  await open(page, "/developers");
  await expect(page.getByRole("heading", { name: "API and command line" })).toBeVisible();
  await expect(page.getByText("/api/v1/subscription-requests").first()).toBeVisible();
  await page.getByRole("link", { name: "/api/v1/openapi.json" }).click();
  await expect(page).toHaveURL(/openapi\.json$/);
});
