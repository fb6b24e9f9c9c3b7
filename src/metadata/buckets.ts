/** The plan's buckets, empty: the start of every kind's plan. Pure. */
import type { Buckets } from "./types.ts";

/** All buckets empty. */
export function emptyBuckets(): Buckets {
  return {
    create: [],
    identical_empty: [],
    identical: [],
    partially_filled: [],
    conflicting: [],
    excluded: [],
    unhealthy: [],
    unsupported: [],
  };
}
