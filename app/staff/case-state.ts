import type { CaseStatus } from "~/db/schema";

/**
 * The life of a case, enforced on the server:
 *
 *   received ─→ identity_check ─→ in_progress ─→ answered ─→ completed
 *       │              │              │   ↑          │
 *       └──────────────┴──→ paused ───┘   └──────────┘
 *   rejected (with a reason the requester sees) from any open state;
 *   withdrawn by the requester from any open state.
 */
export const TRANSITIONS: Record<CaseStatus, readonly CaseStatus[]> = {
  received: ["identity_check", "in_progress", "paused", "rejected"],
  identity_check: ["in_progress", "paused", "rejected"],
  in_progress: ["answered", "completed", "paused", "rejected"],
  answered: ["in_progress", "completed"],
  paused: ["identity_check", "in_progress", "rejected"],
  completed: [],
  rejected: [],
  withdrawn: [],
};

export const TERMINAL_STATUSES: readonly CaseStatus[] = ["completed", "rejected", "withdrawn"];

export function canTransition(from: CaseStatus, to: CaseStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The timeline event the requester sees when a case enters a state. */
export const STATUS_EVENT: Partial<Record<CaseStatus, string>> = {
  identity_check: "identityCheck",
  in_progress: "inProgress",
  answered: "answered",
  completed: "completed",
  rejected: "rejected",
  paused: "paused",
};

/** Updates a caseworker can post from a template, in any state that is open. */
export const UPDATE_TEMPLATES = ["searchStarted", "instancesFound", "removalRequested", "removed", "news"] as const;
export type UpdateTemplate = (typeof UPDATE_TEMPLATES)[number];
