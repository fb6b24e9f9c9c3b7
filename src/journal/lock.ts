/**
 * One run per journal at a time. Two processes continuing one journal would each checkpoint
 * over the other's ranges and mark done what the other has not copied. The lock is an
 * operating-system lock on `<journal>.lock` (released by the kernel when its holder dies, even
 * by `kill -9`, so it is never stale); the file also says who holds it, for the message.
 */
import { BadInputError } from "../errors.ts";

/** A held journal lock; `release()` (or disposal) lets the next run in. */
export interface JournalLock extends AsyncDisposable {
  release(): Promise<void>;
}

/** Who holds a lock, as its holder wrote it. */
interface Holder {
  pid: number;
  host: string;
  since: string;
}

/**
 * Takes the lock of the journal at `journalPath`, or refuses (bad input, nothing changed) when
 * another process holds it, naming that process.
 */
export async function lockJournal(journalPath: string): Promise<JournalLock> {
  const path = `${journalPath}.lock`;
  const directory = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  await Deno.mkdir(directory, { recursive: true });
  const file = await Deno.open(path, { read: true, write: true, create: true });
  if (!(await file.tryLock(true))) {
    file.close();
    throw new BadInputError(
      `another fetch-migration process is using the journal ${journalPath}` +
        await holderText(path),
      "wait for it to finish (or stop it: Ctrl-C, then the same command continues); two " +
        "runs on one journal would overwrite each other's checkpoints",
    );
  }
  const holder: Holder = { pid: Deno.pid, host: Deno.hostname(), since: new Date().toISOString() };
  await file.truncate(0);
  await file.write(new TextEncoder().encode(JSON.stringify(holder) + "\n"));
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await file.unlock().catch(() => {});
    file.close();
  };
  return { release, [Symbol.asyncDispose]: release };
}

async function holderText(path: string): Promise<string> {
  try {
    const holder = JSON.parse(await Deno.readTextFile(path)) as Holder;
    return ` (process ${holder.pid} on ${holder.host}, since ${holder.since})`;
  } catch {
    return "";
  }
}
