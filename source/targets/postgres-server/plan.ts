import type Docker from 'dockerode';
import { UsageError } from '../../core/errors.js';
import type { Plan, PlanOptions } from '../../core/plan/plan.js';
import { containerFileReader } from '../../docker/container-file.js';
import { envValue } from '../../profiles/database-location.js';
import type { Redactor } from '../../text/redact.js';
import type { ContainerPlan } from '../container/plan.js';
import { findDataMount, withNewVolume } from './data-mount.js';
import { findDependents } from './dependents.js';
import { POSTGRES_SERVER_STEPS, type PostgresServerUnit } from './unit.js';
import { readPasswordFile } from './password-file.js';

// A PostgreSQL major upgrade planned from the container plan of the same
// server (its recreate spec is the one place the recreate rules live), with
// what only this kind needs: the data volume and the new one, the network the
// temporary server joins, the superuser, and the containers that use it.
// Read-only: every refusal here leaves the engine as it was.

export async function planPostgresServer(
	docker: Docker,
	plan: Plan<ContainerPlan>,
	options: PlanOptions & { backupDir: string },
	redactor?: Redactor,
): Promise<Plan<PostgresServerUnit>> {
	const major = plan.path.postgresMajor!;
	if (plan.units.length !== 1) {
		throw new UsageError(`a PostgreSQL major upgrade moves one server at a time; select one of ${plan.units.map((unit) => unit.name).join(', ')}`);
	}
	const unit = plan.units[0]!;
	const info = unit.inspect;
	const name = unit.name;
	// A major upgrade starts its dependents again rather than recreating them: one in its namespace or linked would join nothing.
	if (unit.dependents.length > 0) {
		const names = unit.dependents.map((dependent) => dependent.name).join(', ');
		throw new UsageError(`${name} is used by ${names} (network namespace or link), which a PostgreSQL major upgrade cannot recreate; stop ${names}, upgrade ${name}, then recreate ${unit.dependents.length === 1 ? 'it' : 'them'} with --network container:${name}`);
	}
	const env = info.Config.Env;

	const data = await findDataMount(docker, info, name, major.to);
	const onDisk = await containerFileReader(docker, info)(`${data.pgdata}/PG_VERSION`).catch(() => undefined);
	const diskMajor = onDisk?.text.trim();
	if (diskMajor && diskMajor !== String(major.from)) {
		throw new UsageError(`${name}: its image says PostgreSQL ${major.from} but ${data.pgdata}/PG_VERSION says ${diskMajor}; check the container before upgrading it`);
	}

	const mode = info.HostConfig.NetworkMode ?? 'default';
	if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) {
		throw new UsageError(`${name}: network mode ${mode}: the temporary server needs a network of its own beside the old one (bridge or a user-defined network)`);
	}
	const networks = info.NetworkSettings?.Networks ?? {};
	const network = networks[mode] ? mode : mode === 'default' && networks.bridge ? 'bridge' : Object.keys(networks)[0];
	const oldAddress = network ? networks[network]?.IPAddress : undefined;
	if (!network || !oldAddress) throw new UsageError(`${name}: it has no address on any network, so the data cannot be read from it`);

	const port = Number(envValue(env, 'PGPORT')) || 5432;
	const superuser = envValue(env, 'POSTGRES_USER') || 'postgres';
	const passwordFile = envValue(env, 'POSTGRES_PASSWORD') ? undefined : await readPasswordFile(docker, info);
	const passwordKey = envValue(env, 'POSTGRES_PASSWORD') ? 'POSTGRES_PASSWORD' : passwordFile ? 'POSTGRES_PASSWORD_FILE' : undefined;
	if (!passwordKey && envValue(env, 'POSTGRES_HOST_AUTH_METHOD') !== 'trust') {
		throw new UsageError(`${name}: no POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE in its env: the wizard needs the superuser's password to read the old server and to set up the new one`);
	}
	if (passwordFile) redactor?.add(passwordFile.password);
	const dependents = await findDependents(docker, info, options.apps ?? [], options, redactor);
	const spec = withNewVolume(unit.spec, data);
	const server: PostgresServerUnit = {
		kind: 'postgres-server',
		key: unit.key,
		name,
		engine: unit.engine,
		from: unit.from,
		to: unit.to,
		targetRef: unit.targetRef,
		id: unit.id,
		parkedName: unit.parkedName,
		tempName: `${name}-pg${major.to}-move`,
		oldImageId: unit.oldImageId,
		...(unit.localImage ? { localImage: true } : {}),
		inspect: info,
		oldImage: unit.oldImage,
		spec,
		specDiff: unit.specDiff,
		fromMajor: major.from,
		toMajor: major.to,
		data,
		network,
		oldAddress,
		port,
		superuser,
		...(passwordKey ? { passwordKey } : {}),
		...(passwordFile ? { passwordFile } : {}),
		dependents,
		stopTimeoutS: unit.stopTimeoutS,
		health: unit.health,
		profile: unit.profile,
		jobs: Math.max(1, Math.min(4, (await docker.info().catch(() => undefined))?.NCPU ?? 2)),
		backupDir: options.backupDir,
		steps: POSTGRES_SERVER_STEPS.filter((step) => dependents.length > 0 || (step !== 'stop-apps' && step !== 'start-apps')),
	};
	const temp = await docker.getContainer(server.tempName).inspect().then(() => true, () => false);
	if (temp) throw new UsageError(`${name}: a container named ${server.tempName} already exists (a temporary server of an earlier attempt?); remove it first`);
	// The old server and its volume are the way back: always kept.
	return { ...plan, units: [server], hops: [plan.hops[plan.hops.length - 1]!], keepOld: true } as Plan<PostgresServerUnit>;
}
