import type Docker from 'dockerode';
import { createInterface } from 'node:readline';
import { HealthProof } from '../core/health-proof.js';
import { checkHealthUrl, type HttpExpectation } from './http-check.js';
import { ownCheckCommand, runOwnCheck } from './own-check.js';

export { askEndpoint, checkHealthUrl, type HttpExpectation } from './http-check.js';

// The health gate. Docker's own HEALTHCHECK is followed through the events
// stream (health_status, die) instead of polling inspect, while the gate runs
// its own check often (the URL, else the image's healthcheck command through
// exec) and passes on whichever proves health first (core/health-proof.ts);
// with neither, the container must stay up for a while without a restart.
// Every wait is bounded by the gate's timeout.

export interface HealthGate {
	/** Follow the image's/container's Docker healthcheck. */
	healthcheck: boolean;
	/** HTTP URL that must answer `expect.status` (200 by default) with a body that passes `expect.body`. */
	url?: string;
	expect?: HttpExpectation;
	/** Without healthcheck or URL: running this long with no restart counts as healthy. */
	stableMs: number;
	timeoutMs: number;
}

export type HealthResult = { ok: true; detail: string } | { ok: false; reason: string; lastCheck?: string };

export interface HealthCallbacks {
	onStatus?: (status: string, detail?: string) => void;
	/** Operator abort: ends the wait at once as a failure. */
	signal?: AbortSignal;
}

interface EngineEvent {
	Type?: string;
	Action?: string;
	status?: string;
	Actor?: { Attributes?: Record<string, string> };
}

// While the gate waits, its own check runs this often, and again this soon
// after a pass (the second pass of HealthProof's "twice in a row"). An HTTP
// check is cheap; an exec of the image's command costs a process in the container.
const HTTP_INTERVAL_MS = 50;
const HTTP_CONFIRM_MS = 20;
const EXEC_INTERVAL_MS = 150;
const EXEC_CONFIRM_MS = 0;

export async function lastHealthcheckOutput(docker: Docker, id: string): Promise<string | undefined> {
	try {
		const info = await docker.getContainer(id).inspect();
		const log = info.State.Health?.Log ?? [];
		const last = log[log.length - 1];
		return last ? `exit ${last.ExitCode}: ${last.Output.trim()}` : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Wait until the container passes the gate, exits, or the timeout expires.
 * The events subscription starts before the first inspect, so no transition
 * can fall between the two.
 */
export async function waitHealthy(docker: Docker, id: string, gate: HealthGate, callbacks: HealthCallbacks = {}): Promise<HealthResult> {
	const deadline = Date.now() + gate.timeoutMs;
	const events = (await docker.getEvents({
		filters: { type: ['container'], container: [id] },
	})) as NodeJS.ReadableStream & { destroy(): void };
	let exited: string | undefined;
	let healthStatus: string | undefined;
	let wake: (() => void) | undefined;
	const reader = createInterface({ input: events, crlfDelay: Infinity });
	reader.on('line', (line) => {
		let event: EngineEvent;
		try {
			event = JSON.parse(line) as EngineEvent;
		} catch {
			return;
		}
		const action = event.Action ?? event.status ?? '';
		if (action.startsWith('health_status')) {
			healthStatus = action.replace(/^health_status:\s*/, '');
			callbacks.onStatus?.(healthStatus);
		} else if (action === 'die' || action === 'oom' || action === 'restart') {
			const code = event.Actor?.Attributes?.exitCode;
			exited ??= action === 'die' ? `the container exited${code !== undefined ? ` with code ${code}` : ''}` : `the container ${action === 'oom' ? 'ran out of memory' : 'restarted'}`;
			callbacks.onStatus?.('exited', exited);
		}
		wake?.();
	});
	// The engine going away (a restarted dockerd) ends the events stream: that is a
	// failed gate now, not a silent wait until the timeout.
	let closed = false;
	const onLost = () => {
		if (closed) return;
		exited ??= 'lost the connection to the Docker engine (did it restart?)';
		wake?.();
	};
	events.on('end', onLost);
	events.on('error', onLost);
	const onAbort = () => {
		exited ??= 'aborted by the operator';
		wake?.();
	};
	callbacks.signal?.addEventListener('abort', onAbort);
	if (callbacks.signal?.aborted) onAbort();
	// Sleep until an event arrives or `ms` passes, whichever is first.
	const nap = (ms: number) =>
		new Promise<void>((resolve) => {
			const timer = setTimeout(done, Math.max(0, ms));
			function done() {
				clearTimeout(timer);
				wake = undefined;
				resolve();
			}
			wake = done;
		});
	try {
		const initial = await docker.getContainer(id).inspect();
		const restartCount = initial.RestartCount;
		if (!initial.State.Running) {
			const reason =
				initial.State.Status === 'exited' ? `the container exited with code ${initial.State.ExitCode}` : `the container is not running (${initial.State.Status})`;
			return { ok: false, reason };
		}
		healthStatus ??= initial.State.Health?.Status;
		const passed: string[] = [];

		if (gate.healthcheck || gate.url) {
			const proof = new HealthProof({ healthcheck: gate.healthcheck, url: Boolean(gate.url) });
			const own = gate.url ? undefined : ownCheckCommand(initial.Config.Healthcheck?.Test, initial.Config.Healthcheck?.Timeout);
			const [interval, confirm] = gate.url ? [HTTP_INTERVAL_MS, HTTP_CONFIRM_MS] : [EXEC_INTERVAL_MS, EXEC_CONFIRM_MS];
			if (gate.healthcheck) callbacks.onStatus?.(healthStatus ?? 'starting', 'waiting for the Docker healthcheck');
			let last = '';
			for (;;) {
				if (exited) return { ok: false, reason: exited, lastCheck: gate.healthcheck ? ((await lastHealthcheckOutput(docker, id)) ?? proof.lastCheck) : last };
				proof.engine(healthStatus);
				const why = proof.passed();
				if (why) {
					passed.push(gate.url ? `${why} (${gate.url})` : why);
					break;
				}
				const left = deadline - Date.now();
				if (left <= 0) {
					const what = gate.url ? `${gate.url} not healthy` : 'not healthy';
					return {
						ok: false,
						reason: `${what} within ${Math.round(gate.timeoutMs / 1000)} s${gate.healthcheck ? ` (health: ${healthStatus ?? 'unknown'})` : ''}`,
						// Docker's own record of its healthcheck first: it is what the operator can look up.
						lastCheck: gate.healthcheck ? ((await lastHealthcheckOutput(docker, id)) ?? proof.lastCheck) : last,
					};
				}
				// Our own check, unless Docker's healthy alone is what is missing (no command to run).
				if (gate.url || own) {
					const check = gate.url ? await checkHealthUrl(gate.url, gate.expect) : await runOwnCheck(docker, id, own!);
					proof.own(check.ok, check.detail);
					if (!check.ok && check.detail !== last) callbacks.onStatus?.('starting', check.detail);
					last = check.detail;
					if (proof.passed()) continue;
					await nap(Math.min(proof.nextCheckIn(interval, confirm), deadline - Date.now()));
				} else {
					await nap(left);
				}
			}
		}

		if (!gate.healthcheck && !gate.url) {
			const stableUntil = Date.now() + gate.stableMs;
			callbacks.onStatus?.('starting', `must stay running for ${Math.round(gate.stableMs / 1000)} s`);
			if (stableUntil > deadline) {
				// The timeout is the hard bound; a stability window past it cannot pass.
				return { ok: false, reason: `the stability window (${gate.stableMs / 1000} s) is longer than the health timeout` };
			}
			while (Date.now() < stableUntil) {
				if (exited) return { ok: false, reason: exited };
				await nap(stableUntil - Date.now());
			}
			const after = await docker.getContainer(id).inspect();
			if (!after.State.Running || after.RestartCount !== restartCount) {
				return { ok: false, reason: `the container did not stay up (${after.State.Status}, restarts ${after.RestartCount})` };
			}
			passed.push(`running ${Math.round(gate.stableMs / 1000)} s without a restart`);
		}
		if (exited) return { ok: false, reason: exited };
		// A gate the engine's event passed already reported 'healthy' from the events stream.
		if (healthStatus !== 'healthy' || gate.url) callbacks.onStatus?.('healthy', passed.join(', '));
		return { ok: true, detail: passed.join(', ') };
	} finally {
		closed = true;
		callbacks.signal?.removeEventListener('abort', onAbort);
		wake = undefined;
		reader.close();
		events.destroy();
	}
}

