import { shortId } from '../../text/format.js';
import type Docker from 'dockerode';
import type { HealthVerdict, UndoContext } from '../../core/ports.js';
import { waitHealthy } from '../../docker/health.js';
import { gateFor } from '../container/health-gate.js';
import { oldContainerHealth } from '../../core/plan/health.js';
import { filesNow } from './files.js';
import { notMatchingFiles, serviceContainers } from './health.js';
import { copiesOf, type ComposeUndo } from './undo.js';
import { containerState } from '../../docker/swap.js';
import type { ComposeRecord } from './unit.js';

// After a rollback or a recovery: is the service back as it was (every
// container on the old image, healthy by its own check, and matching the
// restored files' config hash), and what is there now, in words.


export async function verifyServiceBack(docker: Docker, env: NodeJS.ProcessEnv, entry: ComposeRecord, ctx: UndoContext): Promise<HealthVerdict & { back?: string }> {
	const now = await serviceContainers(docker, entry);
	const wrong = now.filter((container) => container.imageId !== entry.oldImageId || !container.running);
	if (now.length === 0 || wrong.length > 0) {
		const what = now.length === 0 ? 'no container' : wrong.map((c) => `${c.name} ${c.running ? `runs ${c.image}` : 'is not running'}`).join(', ');
		return { ok: false, reason: `service ${entry.service} is not back on ${entry.from}: ${what}` };
	}
	let detail = '';
	for (const container of now) {
		const gate = await gateFor(docker, oldContainerHealth(entry.health), container.id);
		const health = await waitHealthy(docker, container.id, gate, {
			onStatus: (status, text) => ctx.emit({ type: 'health', container: entry.name, status, detail: `${container.name} on the old image: ${text ?? status}` }),
		});
		if (!health.ok) return { ok: false, reason: `${container.name} is back on ${entry.from} but not healthy: ${health.reason}` };
		detail = health.detail;
	}
	const off = await notMatchingFiles({ cli: entry.cli, project: entry.project, strip: entry.strip, env }, entry.service, now);
	if (off.length > 0) {
		return { ok: false, reason: `${off.map((c) => c.name).join(', ')} run${off.length === 1 ? 's' : ''} the old image but do not match the compose file (config hash); the next \`up -d\` would recreate ${off.length === 1 ? 'it' : 'them'}` };
	}
	return { ok: true, detail, back: `service ${entry.service} is back on ${entry.from} (${now.map((c) => c.name).join(', ')}), its files as before` };
}

export async function serviceStateNow(docker: Docker, entry: ComposeRecord): Promise<string[]> {
	const lines = (await serviceContainers(docker, entry).catch(() => [])).map(
		(container) => `${entry.service}: ${container.name} (${shortId(container.id)}) image ${container.image}, ${container.running ? 'running' : 'not running'}`,
	);
	if (lines.length === 0) lines.push(`${entry.service}: no container`);
	// A --migrate-first one-off that outlived the run is what an operator must see first.
	for (const action of entry.actions) {
		const undo = action.undo as ComposeUndo;
		if (undo.kind !== 'remove-one-off' || action.status === 'undone') continue;
		const found = await containerState(docker, undo.name).catch(() => undefined);
		if (found) lines.push(`one-off ${found.name} (${shortId(found.id)}) image ${found.image}, ${found.status}`);
	}
	const copies = entry.actions.flatMap((action) => copiesOf(action.undo));
	return [...lines, ...(await filesNow(copies))];
}
