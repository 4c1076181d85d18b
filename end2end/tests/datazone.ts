import { expect } from "@playwright/test";

// The AWS emulator the portal talks to; `cargo xtask test` passes its address.
const emulator = process.env.EMULATOR_URL ?? "http://127.0.0.1:4566";

/** One DataZone call straight to the emulator, signed (in form) as `caller`, as SageMaker
 * Unified Studio would make it on that person's behalf. */
export async function datazone(method: string, path: string, caller: string, body?: unknown) {
  const response = await fetch(`${emulator}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      "x-amz-date": "20261123T000000Z",
      authorization: `AWS4-HMAC-SHA256 Credential=${caller}/20261123/us-east-1/datazone/aws4_request, SignedHeaders=host;x-amz-date, Signature=0`,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

/** Where requests go: assets of the `owners` projects (less `skip`), asked for the
 * `subscribers` projects, by the person `user`. */
export interface RequestPlan {
  user: string;
  owners: string[];
  subscribers: string[];
  skip?: (asset: string) => boolean;
  reason: string;
}

/** Opens up to `count` subscription requests in DataZone as `plan.user` (as SageMaker
 * Unified Studio would), each for an asset and project pair not asked for yet; answers
 * how many it opened. */
export async function openRequests(plan: RequestPlan, count: number): Promise<number> {
  const domain = (await datazone("GET", "/v2/domains", "setup")).json.items[0].id;
  const people = await datazone("POST", `/v2/domains/${domain}/search-user-profiles`, "setup", {
    userType: "SSO_USER",
    searchText: plan.user,
  });
  const user = people.json.items[0].id;
  const projects = (await datazone("GET", `/v2/domains/${domain}/projects?maxResults=50`, user)).json.items;
  const byName = new Map<string, string>(projects.map((p: { id: string; name: string }) => [p.name, p.id]));
  const owners = plan.owners.map((n) => byName.get(n));
  const subscribers = plan.subscribers.map((n) => byName.get(n)!);
  type AssetListing = { listingId: string; owningProjectId: string; name: string };
  // Each item is a union: an asset listing or a data product listing; only assets are asked for.
  const listings = (await datazone("POST", `/v2/domains/${domain}/listings/search`, user, { maxResults: 50 })).json.items
    .map((i: { assetListing?: AssetListing }) => i.assetListing)
    .filter((l?: AssetListing): l is AssetListing => l !== undefined)
    .filter((l: AssetListing) => owners.includes(l.owningProjectId) && !plan.skip?.(l.name));
  let made = 0;
  for (const listing of listings) {
    for (const project of subscribers) {
      if (made === count) return made;
      const created = await datazone("POST", `/v2/domains/${domain}/subscription-requests`, user, {
        subscribedPrincipals: [{ project: { identifier: project } }],
        subscribedListings: [{ identifier: listing.listingId }],
        requestReason: plan.reason,
      });
      if (created.status === 200) made += 1;
    }
  }
  return made;
}

/** Opens `count` requests in DataZone as Olivia, for sales assets and non-marketing projects. */
export async function openRequestsAsOlivia(count: number) {
  const plan: RequestPlan = {
    user: "olivia",
    owners: ["SalesPipeline Prod", "RevenueForecast Prod"],
    subscribers: ["SalesPipeline Dev", "CustomerSuccessInsights Dev", "RevenueForecast Dev", "DataGovernance Prod"],
    skip: (name) => name.startsWith("bookings_forecast") || name === "forecast_accuracy" || name === "scenario_assumptions",
    reason: "Cross-team reporting",
  };
  expect(await openRequests(plan, count)).toBe(count);
}
