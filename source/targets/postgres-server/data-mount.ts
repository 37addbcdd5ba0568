import type Docker from 'dockerode';
import type { ContainerInspectInfo } from 'dockerode';
import { UsageError } from '../../core/errors.js';
import { envValue } from '../../profiles/database-location.js';
import type { RecreateSpec } from '../container/recreate-spec.js';
import type { DataMount } from './unit.js';

// Where the old server keeps its data, and the new volume the new major gets.
// The old volume is never written: the new server starts on a volume of its
// own, so going back is always starting the old container again.

const DEFAULT_PGDATA = '/var/lib/postgresql/data';

function under(path: string, dir: string): boolean {
	const base = dir.replace(/\/+$/, '');
	return path === base || path.startsWith(`${base}/`);
}

export async function findDataMount(docker: Docker, info: ContainerInspectInfo, name: string, toMajor: number): Promise<DataMount> {
	const pgdata = envValue(info.Config.Env, 'PGDATA') || DEFAULT_PGDATA;
	const mount = (info.Mounts ?? [])
		.filter((candidate) => under(pgdata, candidate.Destination))
		.sort((a, b) => b.Destination.length - a.Destination.length)[0];
	if (!mount) throw new UsageError(`${name}: its data directory ${pgdata} is on no volume (it lives in the container's own layer): nothing would survive the swap; move it to a volume first`);
	if (mount.Type !== 'volume' || !mount.Name) {
		throw new UsageError(`${name}: its data directory ${pgdata} is a ${mount.Type} mount of ${mount.Source}; a major upgrade puts the new data on a new Docker volume, which needs the data on a volume too`);
	}
	const volume = await docker.getVolume(mount.Name).inspect().catch(() => undefined);
	const anonymous = Boolean(volume?.Labels?.['com.docker.volume.anonymous'] !== undefined || /^[0-9a-f]{64}$/.test(mount.Name));
	const newVolume = anonymous ? `${name}-data-pg${toMajor}` : `${mount.Name}-pg${toMajor}`;
	if (await docker.getVolume(newVolume).inspect().then(() => true, () => false)) {
		throw new UsageError(`${name}: a volume named ${newVolume} already exists (an earlier attempt kept it for inspection?); check it (docker volume inspect ${newVolume}) and remove or rename it first`);
	}
	const users = await docker.listContainers({ all: true, filters: { volume: [mount.Name] } });
	const others = users.filter((row) => row.Id !== info.Id).map((row) => row.Names?.[0]?.replace(/^\//, '') ?? row.Id.slice(0, 12));
	if (others.length > 0) {
		throw new UsageError(`${name}: its data volume ${mount.Name} is also mounted by ${others.join(', ')}; a second server must never run on a data directory another container uses: stop and remove those first`);
	}
	return { destination: mount.Destination, pgdata, oldVolume: mount.Name, newVolume, anonymous };
}

/** The new container's options: the old one's, with the data mount on the new volume (an image VOLUME is then a named mount). */
export function withNewVolume(spec: RecreateSpec, data: DataMount): RecreateSpec {
	const next = structuredClone(spec);
	const host = (next.create.HostConfig ??= {});
	const target = data.destination.replace(/\/+$/, '');
	host.Binds = (host.Binds ?? []).filter((bind) => (bind.split(':')[1] ?? '').replace(/\/+$/, '') !== target);
	if (host.Binds.length === 0) delete host.Binds;
	const mounts = (host.Mounts ?? []).filter((mount) => mount.Target.replace(/\/+$/, '') !== target);
	host.Mounts = [...mounts, { Type: 'volume', Source: data.newVolume, Target: data.destination }];
	return next;
}
