/**
 * Tests that need something this machine may lack (a Redis, the redis-server binary) skip with a reason on a
 * laptop without it; under WXMEDIA_REQUIRE_SERVICES=1 (CI, `.ci/run`) a missing service is a failure instead.
 */
export function missingService(reason: string): { skip: string } {
  if (process.env['WXMEDIA_REQUIRE_SERVICES'] === '1') throw new Error(`${reason} — required because WXMEDIA_REQUIRE_SERVICES=1`);
  return { skip: reason };
}
