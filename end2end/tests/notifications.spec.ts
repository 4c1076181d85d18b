import { expect, open, signIn, test } from "./helpers";

test("a request reaches the steward's bell and list; people choose their email; admins set channels and read the log", async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);

  // The admin gives SalesOperations a review time, and sees a bad webhook refused and a dead
  // one explained.
  const admin = await browser.newPage();
  await signIn(admin, "alice");
  await open(admin, "/admin");
  await admin.getByRole("link", { name: "SalesOperations" }).first().click();
  await expect(admin.getByRole("heading", { name: "Notifications" })).toBeVisible();
  await admin.getByLabel("Slack incoming webhook").fill("https://example.com/hook");
  await admin.getByRole("button", { name: "Save notifications" }).click();
  await expect(admin.getByText("That is not a Slack incoming webhook URL")).toBeVisible();
  await admin.getByLabel("Slack incoming webhook").fill("http://127.0.0.1:9/hook");
  await admin.getByLabel("Review time (hours)").fill("48");
  await admin.getByRole("button", { name: "Save notifications" }).click();
  await expect(admin.getByText("Set: 127.0.0.1:9/… (kept secret)")).toBeVisible();
  await admin.getByRole("button", { name: "Send a test to Slack" }).click();
  await expect(admin.getByText("Slack could not be reached")).toBeVisible();
  await admin.getByRole("button", { name: "Remove Slack" }).click();
  await expect(admin.getByText("Not set.").first()).toBeVisible();

  // A lead asks for sales data.
  await signIn(page, "erin");
  await open(page, "/catalog");
  await page.getByLabel("Search").fill("territories");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByTestId("catalog-results").getByRole("link", { name: "territories", exact: true }).click();
  await page.getByLabel("For project").selectOption({ label: "CustomerChurnModel-v2 Staging" });
  await page.getByLabel("Reason").fill("Territory as a churn feature");
  await page.getByRole("button", { name: "Request access" }).click();
  await expect(page).toHaveURL(/\/subscriptions\//);

  // The steward's bell counts it; the list links to it; marking read clears the count.
  const steward = await browser.newPage();
  await signIn(steward, "dave");
  await expect(async () => {
    await open(steward, "/");
    await expect(steward.getByTestId("unread-count")).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await steward.getByTestId("notification-bell").click();
  await expect(steward.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();
  const entry = steward.getByTestId("notification-list").getByRole("link", { name: /New access request: territories/ });
  await expect(entry).toBeVisible();
  await steward.getByRole("button", { name: "Mark all read" }).click();
  await expect(steward.getByRole("heading", { name: "All read" })).toBeVisible();
  await expect(steward.getByTestId("unread-count")).toHaveCount(0);
  await entry.click();
  await expect(steward).toHaveURL(/\/subscriptions\//);

  // Email preferences: a daily digest, without reminders.
  await open(steward, "/notifications");
  await steward.getByLabel("One daily digest").check();
  await steward.getByLabel("Reminders and escalations of waiting requests").uncheck();
  await steward.getByRole("button", { name: "Save", exact: true }).click();
  await expect(steward.getByText("Saved.")).toBeVisible();
  await open(steward, "/notifications");
  await expect(steward.getByLabel("One daily digest")).toBeChecked();
  await expect(steward.getByLabel("Reminders and escalations of waiting requests")).not.toBeChecked();
  await steward.getByRole("button", { name: "Send me a test email" }).click();
  await expect(steward.getByText("A test email went to dave@example.com.")).toBeVisible();

  // The admin sees what was sent.
  await open(admin, "/admin/notifications");
  await expect(admin.getByText(/Email goes through smtp:\/\/127\.0\.0\.1/)).toBeVisible();
  await expect(admin.getByTestId("delivery-list")).toContainText("New access request: territories");
});
