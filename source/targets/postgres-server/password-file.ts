import type Docker from 'dockerode';
import type { ContainerInspectInfo } from 'dockerode';
import { UsageError } from '../../core/errors.js';
import { containerFileReader, mountOf } from '../../docker/container-file.js';
import { envValue } from '../../profiles/database-location.js';
import type { PostgresServerUnit } from './unit.js';

// POSTGRES_PASSWORD_FILE (the official image's `_FILE` convention, e.g. a
// secret bind-mounted at /run/secrets/pg): the wizard needs the superuser's
// password to read the old server and to set the SCRAM hashes again, so it
// reads that file once, at plan time, through the Engine API, as the
// entrypoint would (trailing newlines dropped). Read-only: a refusal touches nothing.

export async function readPasswordFile(docker: Docker, info: ContainerInspectInfo): Promise<PostgresServerUnit['passwordFile']> {
	const name = info.Name.replace(/^\//, '');
	const path = envValue(info.Config.Env, 'POSTGRES_PASSWORD_FILE');
	if (!path) return undefined;
	const found = mountOf(path, info.Mounts as unknown as Parameters<typeof mountOf>[1]);
	const mount = found?.mount;
	if (!mount?.Destination || !mount.Source || (mount.Type !== 'bind' && mount.Type !== 'volume')) {
		throw new UsageError(`${name}: POSTGRES_PASSWORD_FILE ${path} is on no bind mount or volume, so the temporary server could not read it; mount it (or give POSTGRES_PASSWORD)`);
	}
	if (info.Mounts.some((each) => each.Destination === mount.Destination && envValue(info.Config.Env, 'PGDATA')?.startsWith(mount.Destination))) {
		throw new UsageError(`${name}: POSTGRES_PASSWORD_FILE ${path} lives on the data volume, which the new server does not mount; keep it on a mount of its own`);
	}
	const read = await containerFileReader(docker, info, { maxBytes: 64 * 1024 })(path).catch((error: Error) => {
		throw new UsageError(`${name}: POSTGRES_PASSWORD_FILE ${path} cannot be read (${error.message})`);
	});
	const password = read?.text.replace(/\n+$/, '');
	if (!password) throw new UsageError(`${name}: POSTGRES_PASSWORD_FILE ${path} is missing or empty`);
	const source = mount.Type === 'volume' ? (mount as { Name?: string }).Name ?? mount.Source : mount.Source;
	return { path, password, mount: { type: mount.Type, source, destination: mount.Destination } };
}
