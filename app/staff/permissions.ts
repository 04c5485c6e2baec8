import type { StaffRole } from "~/db/schema";

/**
 * Permissions as strings, `action:resource:scope`, checked on the server.
 * The scope says whose things the permission reaches:
 *   own-org           cases handled by the user's organisation
 *   assigned          own-org cases assigned to the user
 *   filed-by-own-org  cases the user's (support) organisation filed
 *   any               everything of that kind
 * The matrix is data, so a test can walk all of it.
 */
export const ROLE_PERMISSIONS: Record<StaffRole, readonly string[]> = {
  // A support worker acts for the victim on what their organisation filed: a
  // resource of its own ("filed-case"), so no case permission of theirs ever
  // opens a caseworker's page.
  support_worker: [
    "create:case:any",
    "read:filed-case:filed-by-own-org",
    "update:filed-case:filed-by-own-org",
  ],
  caseworker: [
    "read:queue:own-org",
    "read:case:own-org",
    "update:case:assigned",
    "assign-self:case:own-org",
    "reveal:identity:assigned",
    // Matching and removal (issue 7): candidates and notices of their own cases.
    "review:match:assigned",
    "send:notice:assigned",
  ],
  supervisor: [
    "read:queue:own-org",
    "read:case:own-org",
    "update:case:own-org",
    "assign-self:case:own-org",
    "assign:case:own-org",
    "reveal:identity:own-org",
    "read:audit:own-org",
    "review:match:own-org",
    "send:notice:own-org",
    "read:dashboard:own-org",
  ],
  // Administrators run the organisation's accounts and settings, not cases.
  administrator: ["manage:users:own-org", "manage:organisations:any", "read:privacy-record:any", "manage:providers:any", "manage:apikeys:any"],
};

/** Roles that must use a second factor. */
export const TWO_FACTOR_ROLES: readonly StaffRole[] = ["caseworker", "supervisor", "administrator"];

export interface StaffIdentity {
  id: string;
  organisationId: string;
  role: StaffRole;
  displayName: string;
}

/** What a permission is checked against: a case's ownership, or an organisation. */
export interface PermissionTarget {
  handlingOrganisationId?: string | null;
  filedByOrganisationId?: string | null;
  assignedTo?: string | null;
  organisationId?: string | null;
}

function scopeMatches(scope: string, user: StaffIdentity, target: PermissionTarget | undefined): boolean {
  switch (scope) {
    case "any":
      return true;
    case "own-org":
      return target === undefined || (target.handlingOrganisationId ?? target.organisationId) === user.organisationId;
    case "assigned":
      return target !== undefined && target.handlingOrganisationId === user.organisationId && target.assignedTo === user.id;
    case "filed-by-own-org":
      return target === undefined || (target.filedByOrganisationId != null && target.filedByOrganisationId === user.organisationId);
    default:
      return false;
  }
}

/**
 * Whether the user may do `action:resource` (e.g. "read:case") on the target.
 * Without a target, whether the user may do it on anything at all (for
 * showing a menu entry); the target check still happens on the server.
 */
export function can(user: StaffIdentity, permission: string, target?: PermissionTarget): boolean {
  const [action, resource] = permission.split(":");
  return ROLE_PERMISSIONS[user.role].some((granted) => {
    const [a, r, scope] = granted.split(":");
    return a === action && r === resource && scopeMatches(scope, user, target);
  });
}
