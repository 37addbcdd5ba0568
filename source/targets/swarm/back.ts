import type Docker from 'dockerode';
import { shortId } from '../../text/format.js';
import type { HealthVerdict, UndoContext } from '../../core/ports.js';
import { inspectService, tasksOf } from './service-calls.js';
import { waitServing } from './settle.js';
import { sameImage } from './update-status.js';
import type { SwarmServiceRecord } from './unit.js';

// After a rollback or a recovery: is the service back as it was (its spec
// naming the old image, every task that should run running it, healthy), and
// what the engine holds for it now, in words.

export async function verifySwarmBack(docker: Docker, record: SwarmServiceRecord, ctx: UndoContext): Promise<HealthVerdict & { back?: string }> {
	const now = await inspectService(docker, record.serviceId).catch(() => undefined);
	if (!now) return { ok: false, reason: `service ${record.service} no longer exists on this engine` };
	const image = now.spec.TaskTemplate?.ContainerSpec?.Image ?? '';
	// Bounded like the update: each task's start and health window, then the engine's monitor.
	const serving = await waitServing(docker, record.serviceId, record.oldImage, record.followMs);
	ctx.emit({ type: 'health', container: record.name, status: serving.ok ? 'healthy' : 'waiting', detail: `${serving.running}/${serving.wanted} tasks on ${record.from}` });
	if (!serving.ok) {
		const wrong = serving.wrong.map((task) => `task ${shortId(task.id)} ${task.state}${task.health ? ` (${task.health})` : ''} on ${task.image}`).join(', ');
		return { ok: false, reason: `service ${record.service} is not back on ${record.from}: ${serving.running}/${serving.wanted} tasks serve it${wrong ? `; ${wrong}` : ''}` };
	}
	const named = serving.now.spec.TaskTemplate?.ContainerSpec?.Image ?? image;
	if (!sameImage(named, record.oldImage)) return { ok: false, reason: `service ${record.service} names ${named} in its spec, not ${record.oldImage}` };
	return { ok: true, detail: `${serving.running}/${serving.wanted} tasks running and healthy`, back: `service ${record.service} is back on ${record.oldImage}` };
}

export async function serviceStateNow(docker: Docker, record: SwarmServiceRecord): Promise<string[]> {
	const now = await inspectService(docker, record.serviceId).catch(() => undefined);
	if (!now) return [`service ${record.service}: not on this engine`];
	const status = now.updateStatus?.State ? `, update ${now.updateStatus.State}${now.updateStatus.Message ? ` (${now.updateStatus.Message})` : ''}` : '';
	const lines = [`service ${record.service}: spec image ${now.spec.TaskTemplate?.ContainerSpec?.Image ?? '?'}${status}`];
	const tasks = (await tasksOf(docker, record.serviceId).catch(() => [])).filter((task) => task.desired === 'running');
	for (const task of tasks) lines.push(`  task ${shortId(task.id)} ${task.state}${task.health ? ` (${task.health})` : ''} image ${task.image}`);
	return lines;
}
