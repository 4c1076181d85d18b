import { readFile } from "node:fs/promises";
import { expect, signIn, test } from "./helpers";

test("an admin filters the audit log to one person and exports it as CSV", async ({ page }) => {
  await signIn(page, "carol");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "You're signed out" })).toBeVisible();
  await signIn(page, "alice");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();

  await page.getByLabel("Actor").fill("carol");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/\/audit\?.*actor=carol/);
  const rows = page.getByTestId("audit-rows").locator("tbody tr");
  await expect(rows.first()).toContainText("carol");
  const count = await rows.count();
  for (let i = 0; i < count; i++) await expect(rows.nth(i).locator("td").nth(1)).toHaveText("carol");

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const file = await (await download).path();
  const lines = (await readFile(file!, "utf8")).trim().split("\n");
  expect(lines[0]).toBe("id,time,actor,action,target_kind,target_id,request_id,before,after");
  expect(lines.length - 1).toBe(count);
  for (const line of lines.slice(1)) expect(line.split(",")[2]).toBe("carol");
});
