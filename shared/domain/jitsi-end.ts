import { getConfig } from '../config';
import { jitsiHttpApiFromConfig, type JitsiHttpApi } from '../jitsi/http-api';
import { nickFromOccupantJid } from '../jitsi/occupant';
import { logger } from '../observability/logger';
import { MetricName } from '../observability/metric-names';
import { countMetric } from '../observability/metrics';
import { getSecretsProvider } from '../secrets/provider';

// The real end: with JITSI_INTERNAL_URL set, an end also ends the Jitsi meeting and a removal
// kicks the removed user's occupants. Jitsi failing never fails the end in the store: it is
// logged and counted (JitsiEndMeetingFailed, JitsiKickFailed), and the metric is alarmed.

let api: { value: JitsiHttpApi | undefined } | undefined;

function jitsiApi(): JitsiHttpApi | undefined {
  api ??= { value: jitsiHttpApiFromConfig(getConfig(), getSecretsProvider()) };
  return api.value;
}

export function resetJitsiApiForTests(): void {
  api = undefined;
}

/** true: the meeting is over (or was not running); false: Jitsi failed; null: not configured. */
export async function endJitsiMeeting(room: string): Promise<boolean | null> {
  const client = jitsiApi();
  if (!client) return null;
  const result = await client.endMeeting(room);
  // 404: no such room, so nobody is left in it.
  if (result.ok || result.reason === 'not_found') return true;
  logger.warn('jitsi end-meeting failed', { room, reason: result.reason, status: result.status });
  countMetric(MetricName.JitsiEndMeetingFailed);
  return false;
}

/** Kicks each occupant (by the nick derived from its reported JID) that is still in the room. */
export async function kickOccupants(room: string, occupantJids: string[]): Promise<void> {
  const client = jitsiApi();
  if (!client || occupantJids.length === 0) return;
  await Promise.all(
    occupantJids.map(async (jid) => {
      const nick = nickFromOccupantJid(jid);
      if (!nick) return;
      const result = await client.kickParticipant(room, nick);
      if (result.ok || result.reason === 'not_found') return;
      logger.warn('jitsi kick failed', { room, reason: result.reason, status: result.status });
      countMetric(MetricName.JitsiKickFailed);
    }),
  );
}
