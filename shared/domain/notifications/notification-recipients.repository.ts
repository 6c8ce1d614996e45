/** Who receives a notification: the user's addresses and language, and the push device tokens behind them. */
import type { Queryable } from '../../ports/database.port';
import type { Language } from '../../ports/language';

export interface Recipient {
  id: string;
  email: string;
  phone: string | null;
  locale: Language;
  fullName: string;
  /** The most recently seen device; push goes to that one only (see docs/NOTIFICATIONS.md). */
  deviceToken: string | null;
}

export type DevicePlatform = 'android' | 'ios' | 'web';

export async function findRecipient(q: Queryable, userId: string): Promise<Recipient | undefined> {
  const { rows } = await q.query<{ id: string; email: string; phone: string | null; locale: Language; full_name: string; device_token: string | null }>(
    `SELECT u.id, u.email, u.phone, u.locale, u.full_name,
            (SELECT d.token FROM device_tokens d WHERE d.user_id = u.id ORDER BY d.last_seen_at DESC, d.token LIMIT 1) AS device_token
       FROM users u WHERE u.id = $1`,
    [userId],
    'notification_recipient',
  );
  const r = rows[0];
  return r && { id: r.id, email: r.email, phone: r.phone, locale: r.locale, fullName: r.full_name, deviceToken: r.device_token };
}

/** The active account with this address (case-insensitive, as accounts are stored), if any. */
export async function findActiveUserIdByEmail(q: Queryable, email: string): Promise<string | undefined> {
  const { rows } = await q.query<{ id: string }>("SELECT id FROM users WHERE email = lower(trim($1)) AND status = 'active'", [email]);
  return rows[0]?.id;
}

/** Registers a device for push, or refreshes it; a token seen under another user moves to this one. */
export async function saveDeviceToken(q: Queryable, device: { userId: string; token: string; platform: DevicePlatform; at: Date }): Promise<void> {
  await q.query(
    `INSERT INTO device_tokens (token, user_id, platform, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (token) DO UPDATE SET user_id = EXCLUDED.user_id, platform = EXCLUDED.platform, last_seen_at = EXCLUDED.last_seen_at`,
    [device.token, device.userId, device.platform, device.at],
  );
}

/** Drops a token FCM no longer knows (app uninstalled, token rotated), so the next push goes elsewhere or is skipped. */
export async function forgetDeviceToken(q: Queryable, token: string): Promise<void> {
  await q.query('DELETE FROM device_tokens WHERE token = $1', [token]);
}
