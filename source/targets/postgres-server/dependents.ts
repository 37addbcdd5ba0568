import type Docker from 'dockerode';
import type { ContainerInspectInfo } from 'dockerode';
import { UsageError } from '../../core/errors.js';
import type { PlanOptions } from '../../core/plan/plan.js';
import { healthOptionsFor } from '../../core/plan/health.js';
import { containerName, inspectByName } from '../../docker/discovery.js';
import { parseConnectionUrl, type ConnectionUrl } from '../../postgres/connection-url.js';
import { profileFor } from '../../profiles/profile.js';
import type { Redactor } from '../../text/redact.js';
import type { Dependent } from './unit.js';

// The containers that use the server: their env holds a postgres URL whose
// host names it, or a host variable (DB_HOST, POSTGRES_HOST, PGHOST...) that
// does (by container name or network alias), plus those named with --app.
// They are stopped before the data moves, so the move reads every write.

const HOST_KEY = /^(.*?)(HOST|HOSTNAME)$/;
const URL_VALUE = /^postgres(ql)?:\/\//i;

/** The names the server answers to on its networks: its name, its aliases, its hostname. */
export function namesOf(server: ContainerInspectInfo): Set<string> {
	const names = new Set([containerName(server), server.Config.Hostname]);
	for (const network of Object.values(server.NetworkSettings?.Networks ?? {})) for (const alias of network.Aliases ?? []) names.add(alias);
	return names;
}

function envMap(env: readonly string[] | undefined): Map<string, string> {
	return new Map((env ?? []).filter((entry) => entry.includes('=')).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

function parsed(url: string): ConnectionUrl | undefined {
	try {
		return parseConnectionUrl(url);
	} catch {
		return undefined;
	}
}

/** How a container reaches the server, when it does: the env key and its login (the password only when its env holds it). */
export function usesServer(env: readonly string[] | undefined, names: Set<string>): { why: string; login?: Dependent['login'] } | undefined {
	const vars = envMap(env);
	for (const [key, value] of vars) {
		if (!URL_VALUE.test(value)) continue;
		const parts = parsed(value);
		if (parts?.host && names.has(parts.host)) {
			return { why: key, login: parts.user ? { user: parts.user, password: parts.password, database: parts.database ?? parts.user, from: key } : undefined };
		}
	}
	for (const [key, value] of vars) {
		const match = HOST_KEY.exec(key);
		if (!match || !/(DB|DATABASE|POSTGRES|PG|SQL)_?$/i.test(match[1]!) || !names.has(value)) continue;
		const prefix = match[1]!;
		const pick = (...suffixes: string[]) => suffixes.map((suffix) => vars.get(`${prefix}${suffix}`)).find((found) => found !== undefined);
		const user = pick('USER', 'USERNAME');
		const password = pick('PASSWORD', 'PASS');
		const database = pick('NAME', 'DATABASE', 'DB') ?? user;
		return { why: key, login: user && database ? { user, password, database, from: `${prefix}USER/${prefix}PASSWORD` } : undefined };
	}
	return undefined;
}

export async function findDependents(
	docker: Docker,
	server: ContainerInspectInfo,
	apps: string[],
	options: Pick<PlanOptions, 'healthUrl' | 'healthTimeoutS' | 'stableS' | 'profiles'>,
	redactor?: Redactor,
): Promise<Dependent[]> {
	const names = namesOf(server);
	const found: Dependent[] = [];
	const toDependent = async (info: ContainerInspectInfo, why: string, login?: Dependent['login']): Promise<Dependent> => {
		redactor?.addEnv(info.Config.Env);
		const image = await docker.getImage(info.Image).inspect().catch(() => undefined);
		// The dependent's own gate: its healthcheck or profile, never the --health-url meant for the server.
		const health = healthOptionsFor(image ? profileFor(info, image, options.profiles) : undefined, { ...options, healthUrl: undefined });
		return { name: containerName(info), id: info.Id, stopTimeoutS: (info.Config as { StopTimeout?: number }).StopTimeout ?? 10, health, why, ...(login ? { login } : {}) };
	};
	for (const app of apps) {
		const info = await inspectByName(docker, app);
		if (!info) throw new UsageError(`--app ${app}: no container of that name on this engine`);
		if (info.Id === server.Id) throw new UsageError(`--app ${app}: that is the server being upgraded`);
		if (!info.State.Running) throw new UsageError(`--app ${app}: the container is not running (${info.State.Status}); start it or leave it out`);
		found.push(await toDependent(info, '--app', usesServer(info.Config.Env, names)?.login));
	}
	// A name or alias reaches the server only from a network they share (or its namespace): elsewhere
	// the same name (a generic `db`) is another server, and its app is none of this run's business.
	const serverNetworks = new Set(Object.keys(server.NetworkSettings?.Networks ?? {}));
	const reaches = (row: { HostConfig?: { NetworkMode?: string }; NetworkSettings?: { Networks?: Record<string, unknown> } }) =>
		row.HostConfig?.NetworkMode === `container:${server.Id}` || Object.keys(row.NetworkSettings?.Networks ?? {}).some((network) => serverNetworks.has(network));
	for (const row of await docker.listContainers()) {
		if (row.Id === server.Id || found.some((dependent) => dependent.id === row.Id) || !reaches(row)) continue;
		const info = await docker.getContainer(row.Id).inspect().catch(() => undefined);
		const uses = info && usesServer(info.Config.Env, names);
		if (info && uses) found.push(await toDependent(info, uses.why, uses.login));
	}
	return found;
}
