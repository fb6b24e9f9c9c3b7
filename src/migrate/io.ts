/**
 * The cluster requests of the run flow, behind one small interface so the flow's decisions can
 * be tested without clusters (tests hand in a fake), and carried out here with real clients.
 */
import { countDocuments } from "../cluster/count.ts";
import type { ClusterPair } from "../cluster/pair.ts";
import {
  checkSourcePrivileges,
  checkTargetPrivileges,
  type SourceDuty,
} from "../cluster/privileges.ts";
import type { ClusterInfo } from "../cluster/version.ts";
import type { Journal } from "../journal/journal.ts";
import { rollBack, type RollbackResult } from "../journal/rollback.ts";
import { applyCreations, type ApplyOptions, type ApplyResult } from "../metadata/apply.ts";
import { readPlan } from "../metadata/read-plan.ts";
import type { Creation, MigrationPlan, PlanOptions } from "../metadata/types.ts";

/** Documents of one index on each side (`null`: the index is not there). */
export interface IndexCounts {
  index: string;
  source: number | null;
  target: number | null;
}

/** How the creations are made (see metadata/apply.ts). */
export type CreateOptions = ApplyOptions;

/** What the run flow asks of the clusters. */
export interface MigrationIO {
  sourceUrl: string;
  targetUrl: string;
  info(): Promise<{ source: ClusterInfo; target: ClusterInfo }>;
  readPlan(options: PlanOptions): Promise<MigrationPlan>;
  /**
   * Creates what the plan says (see metadata/apply.ts); with `whenExisting` (parts creating the
   * same plan at once), a name found taken is asked about instead of failing at once.
   */
  create(creations: Creation[], journal: Journal, options: CreateOptions): Promise<ApplyResult>;
  /** Those of `indices` that the target does not have. */
  missingOnTarget(indices: string[]): Promise<string[]>;
  /** Top-level document counts on both sides, after a refresh of the target. */
  counts(indices: string[]): Promise<IndexCounts[]>;
  /** Deletes what the journal says this run created (see journal/rollback.ts). */
  rollback(journal: Journal): Promise<RollbackResult>;
  /**
   * Throws, before anything changes, when the credentials lack what the run needs: `duty` on
   * the source's `indices`, and the target's permissions for the indices it will create.
   */
  checkPrivileges(
    duty: SourceDuty,
    indices: string[],
    toCreate: string[],
    tunes: boolean,
  ): Promise<void>;
}

/** The run flow's requests, sent to real clusters. */
export function clusterIO(clusters: ClusterPair): MigrationIO {
  const { source, target } = clusters;
  return {
    sourceUrl: source.url,
    targetUrl: target.url,
    info: async () => ({ source: await source.info(), target: await target.info() }),
    readPlan: (options) => readPlan(clusters, options),
    create: (creations, journal, options) => applyCreations(target, creations, journal, options),
    missingOnTarget: async (indices) => {
      const missing: string[] = [];
      for (const index of indices) {
        const response = await target.request("HEAD", `/${encodeURIComponent(index)}`);
        if (response.status === 404) missing.push(index);
      }
      return missing;
    },
    rollback: (journal) => rollBack(target, journal),
    checkPrivileges: async (duty, indices, toCreate, tunes) => {
      await checkSourcePrivileges(source, duty, indices);
      await checkTargetPrivileges(target, toCreate, { create: true, tune: tunes, refresh: true });
    },
    counts: async (indices) => {
      const counts: IndexCounts[] = [];
      for (const index of indices) {
        await target.json("POST", `/${encodeURIComponent(index)}/_refresh`);
        counts.push({
          index,
          source: await countDocuments(source, index),
          target: await countDocuments(target, index),
        });
      }
      return counts;
    },
  };
}
