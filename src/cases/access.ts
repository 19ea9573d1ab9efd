/**
 * Access control in one place: the caller's role in a case, or nothing (which
 * the API answers as 404). A staff member who is a party acts as that party.
 */
import type { PartyRole } from '../domain/model.js';

export interface Viewer {
  userId: string;
  name: string;
  email: string;
  isStaff: boolean;
  merchantIds: string[];
  timeZone: string;
  /** 'platform' when the platform key acts for this person (`RC-On-Behalf-Of`, SPEC §14). */
  via?: 'platform' | undefined;
}

export function roleIn(viewer: Viewer, c: { customer_id: string; merchant_id: string }): PartyRole | null {
  if (c.customer_id === viewer.userId) return 'customer';
  if (viewer.merchantIds.includes(c.merchant_id)) return 'merchant';
  if (viewer.isStaff) return 'staff';
  return null;
}
