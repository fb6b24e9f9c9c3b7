/**
 * The compile test's one excuse, checked on what `deno compile` prints: only a runtime download
 * from dl.deno.land that got no answer may make it "not run"; every other failure is a failure.
 */
import { assert, assertEquals } from "../assert.ts";
import { runtimeUnreachable } from "../harness/compile.ts";

/** What `deno compile` 2.x printed on a machine without DNS for dl.deno.land. */
const NO_DNS = `Check src/main.ts
Compile src/main.ts to /tmp/x
Download https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip
error: Writing deno compile executable to temporary file '/tmp/x.tmp-b9b413d6f397ea89'

Caused by:
    0: Setting up base binary.
    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address information: Name or service not known
    2: client error (Connect)
    3: dns error
    4: failed to lookup address information: Name or service not known

Stack backtrace:
   0: <unknown>
`;

Deno.test("a denort download with no answer from dl.deno.land is the reason, with its cause", () => {
  assertEquals(
    runtimeUnreachable(NO_DNS),
    "deno compile cannot download the Deno runtime (denort) from dl.deno.land here " +
      "(failed to lookup address information: Name or service not known); " +
      "set DENORT_BIN to a denort binary to run it",
  );
});

Deno.test("any other failure of deno compile is no reason to skip", () => {
  const typeError = `Check src/main.ts
TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.
    at file:///work/src/main.ts:3:7

error: Type checking failed.
`;
  assertEquals(runtimeUnreachable(typeError), undefined);
  const notWritable = `error: Writing deno compile executable to temporary file '/ro/x.tmp-1'

Caused by:
    0: Permission denied (os error 13)
`;
  assertEquals(runtimeUnreachable(notWritable), undefined);
  // Another host unreachable (an npm package, say) is not the runtime's download.
  const npm = "error: error sending request for url (https://registry.npmjs.org/yaml): " +
    "client error (Connect)\n";
  assertEquals(runtimeUnreachable(npm), undefined);
});

Deno.test("a refused or timed-out connection to dl.deno.land is a reason too", () => {
  const refused = NO_DNS.replace(
    /client error \(Connect\): dns error[^\n]*\n(.|\n)*?4: [^\n]*\n/,
    "client error (Connect): tcp connect error: Connection refused (os error 111)\n" +
      "    2: client error (Connect)\n    3: tcp connect error: Connection refused (os error 111)\n",
  );
  const reason = runtimeUnreachable(refused);
  assert(reason?.includes("(tcp connect error: Connection refused (os error 111))"), reason);
});
