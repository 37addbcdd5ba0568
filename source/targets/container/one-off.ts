import type Docker from 'dockerode';
import type { RecreateSpec } from './recreate-spec.js';
import type { ContainerPlan } from './plan.js';
import { TransitionFailure, type Transition, type TransitionContext } from '../../core/ports.js';
import { createFromSpec, removeContainer, startContainer, stopContainer } from '../../docker/swap.js';
import { followTail, type FollowedTail } from '../../docker/logs.js';
import { ONE_OFF_LABEL, describeOneOff, oneOffName, type OneOffCommand } from '../one-off-command.js';

// --migrate-first: the profile's migration command, run once in a one-off
// container of the NEW image after the old container stopped and before the
// new one starts, the way the vendor guides do it by hand (`anchore-manager db
// upgrade`, ProGet's `upgradedb`). It gets what the new container gets (env,
// networks, volumes, user) so it migrates the same database, but nothing that
// would make it look like the service: no published ports, no network aliases
// or fixed addresses, no restart policy, no healthcheck.

const LOG_TAIL_LINES = 15;

/** The new container's create options, turned into a one-off's. */
export function oneOffSpec(spec: RecreateSpec, name: string, run: OneOffCommand, owner: string): RecreateSpec {
	const create = spec.create;
	const host = { ...(create.HostConfig ?? {}) };
	delete host.PortBindings;
	host.PublishAllPorts = false;
	host.RestartPolicy = { Name: 'no' };
	host.AutoRemove = false;
	const strip = <T extends { Aliases?: unknown; IPAMConfig?: unknown; MacAddress?: unknown }>(endpoint: T): T => {
		const { Aliases: _aliases, IPAMConfig: _ipam, MacAddress: _mac, ...rest } = endpoint;
		return rest as T;
	};
	const endpoints = Object.fromEntries(Object.entries(create.NetworkingConfig?.EndpointsConfig ?? {}).map(([network, endpoint]) => [network, strip(endpoint)]));
	const { ExposedPorts: _ports, Healthcheck: _health, MacAddress: _mac, ...config } = create as typeof create & { MacAddress?: string };
	return {
		create: {
			...config,
			name,
			...(run.entrypoint ? { Entrypoint: run.entrypoint } : {}),
			Cmd: run.command,
			Healthcheck: { Test: ['NONE'] },
			Labels: { ...(create.Labels ?? {}), [ONE_OFF_LABEL]: owner },
			HostConfig: host,
			...(create.NetworkingConfig ? { NetworkingConfig: { EndpointsConfig: endpoints } } : {}),
		},
		connectBeforeStart: spec.connectBeforeStart.map((attachment) => ({ network: attachment.network, endpoint: strip(attachment.endpoint) })),
	};
}

/** The journaled step: create, start, stream its output, and gate on its exit code (bounded by the unit's health timeout). */
export function migrateFirstTransition(docker: Docker, unit: ContainerPlan, run: OneOffCommand): Transition {
	const name = oneOffName(unit);
	let id = '';
	return {
		kind: 'migrate-first',
		step: 'migrate',
		intent: `run the migration once in a one-off ${name} of ${unit.targetRef}: ${describeOneOff(run)}`,
		// Until the engine answers, the one-off is known by its name and image; the old container is never it.
		get undo() {
			return { kind: 'remove-container', name, image: unit.targetRef, keep: unit.id, ...(id ? { containerId: id } : {}) };
		},
		// The new version's code touches the database from here on: a failure restores it.
		startsTarget: true,
		run: async (ctx) => {
			id = await createFromSpec(docker, oneOffSpec(unit.spec, name, run, unit.name));
			await ctx.record({ oneOffId: id }, { containerId: id });
			return runToExit(docker, unit, id, name, run, ctx);
		},
	};
}

async function runToExit(docker: Docker, unit: ContainerPlan, id: string, name: string, run: OneOffCommand, ctx: TransitionContext): Promise<string> {
	const started = Date.now();
	let code: number | undefined;
	let logs: FollowedTail | undefined;
	try {
		// Wait is asked before the start so a command that exits at once cannot be missed.
		const waited = docker.getContainer(id).wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
		await startContainer(docker, id);
		// After the start: a created container's log stream ends at once. From the
		// start on, the stream begins with everything written so far, so nothing is lost.
		logs = await followTail(docker, id, LOG_TAIL_LINES, (line) => ctx.emit({ type: 'log', container: unit.name, source: 'one-off', line }));
		const timeoutMs = unit.health.timeoutMs;
		let timer: NodeJS.Timeout | undefined;
		const outcome = await Promise.race([
			waited.then((result) => ({ code: result.StatusCode })),
			new Promise<{ timeout: true }>((resolve) => {
				timer = setTimeout(() => resolve({ timeout: true }), timeoutMs);
			}),
			new Promise<{ aborted: true }>((resolve) => ctx.signal?.addEventListener('abort', () => resolve({ aborted: true }), { once: true })),
		]).finally(() => clearTimeout(timer));
		if ('timeout' in outcome || 'aborted' in outcome) {
			await stopContainer(docker, id, 5).catch(() => undefined);
			const why = 'timeout' in outcome ? `did not finish within ${Math.round(timeoutMs / 1000)} s` : 'was aborted by the operator';
			throw new TransitionFailure('migrate', `the one-off migration ${why}`, await details(logs));
		}
		code = outcome.code;
		if (code !== 0) throw new TransitionFailure('migrate', `the one-off migration (${describeOneOff(run)}) exited with code ${code}`, await details(logs));
	} finally {
		logs?.stop();
		// Its output is in the log events and the failure report; the container itself is litter.
		await removeContainer(docker, id, { force: true }).catch(() => undefined);
	}
	return `${name} exited 0 after ${((Date.now() - started) / 1000).toFixed(1)} s`;
}

async function details(logs: FollowedTail): Promise<string[]> {
	const lines = await logs.lines();
	return lines.length > 0 ? ['output:', ...lines.map((line) => `  ${line}`)] : [];
}
