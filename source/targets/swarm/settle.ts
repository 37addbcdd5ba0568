import type Docker from 'dockerode';
import { inspectService, tasksOf, type ServiceNow, type TaskNow } from './service-calls.js';
import { sameImage } from './update-status.js';
import { replicasOfSpec } from './spec.js';

// Waiting for the engine to finish what it is doing to a service, and reading
// its tasks: rollback, recover and the checks after them share these, so a
// rollback never sends a second update into one still running.

const MOVING = new Set(['updating', 'rollback_started']);

const sleep = (ms: number, signal?: AbortSignal) =>
	new Promise<void>((resolve) => {
		const timer = setTimeout(resolve, ms);
		signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
	});

/** Poll (every 500 ms, at most `timeoutMs`) until no update or rollback is under way; the last look either way. */
export async function settled(docker: Docker, id: string, timeoutMs: number): Promise<{ now: ServiceNow; settled: boolean }> {
	const deadline = Date.now() + timeoutMs;
	let now = await inspectService(docker, id);
	while (MOVING.has(now.updateStatus?.State ?? '') && Date.now() < deadline) {
		await sleep(500);
		now = await inspectService(docker, id);
	}
	return { now, settled: !MOVING.has(now.updateStatus?.State ?? '') };
}

/** The tasks that should run, all running `image` (healthy where a healthcheck says), as many as the service wants. */
export function servingOn(tasks: readonly TaskNow[], image: string, replicas: number | undefined): { ok: boolean; running: number; wanted: number; wrong: TaskNow[] } {
	const wanted = tasks.filter((task) => task.desired === 'running');
	const good = wanted.filter((task) => task.state === 'running' && sameImage(task.image, image) && (task.health === undefined || task.health === 'healthy'));
	const count = replicas ?? wanted.length;
	return { ok: count > 0 && good.length >= count && good.length === wanted.length, running: good.length, wanted: count, wrong: wanted.filter((task) => !good.includes(task)) };
}

/** A replicated service's replicas; a global one's count is the nodes', so undefined. */
export function replicasOf(now: ServiceNow): number | undefined {
	const replicas = replicasOfSpec(now.spec);
	return replicas === 'global' ? undefined : replicas;
}

/** Poll until every task that should run is on `image` and healthy (bounded); the last count either way. */
export async function waitServing(docker: Docker, id: string, image: string, timeoutMs: number, signal?: AbortSignal): Promise<ReturnType<typeof servingOn> & { now: ServiceNow }> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const now = await inspectService(docker, id);
		const serving = servingOn(await tasksOf(docker, id), image, replicasOf(now));
		if (serving.ok || Date.now() >= deadline || signal?.aborted) return { ...serving, now };
		await sleep(500, signal);
	}
}
