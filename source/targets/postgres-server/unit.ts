import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import type { StepName } from '../../core/events.js';
import type { HealthOptions, Unit } from '../../core/plan/plan.js';
import type { RecreateSpec } from '../container/recreate-spec.js';
import type { Profile } from '../../profiles/profile.js';

// A PostgreSQL server moving to a new major: its data goes to a new volume by
// dump and restore through a temporary server of the new image; the old
// container and its volume stay untouched, so going back is always possible.

/** A container that uses the server: stopped before the data moves, started after, each health-gated. */
export interface Dependent {
	name: string;
	id: string;
	stopTimeoutS: number;
	health: HealthOptions;
	/** How it logs in (its own connection settings); the password is never journaled. */
	login?: { user: string; database: string; password?: string; from: string };
	/** Why it counts as a dependent: the env key naming the server, or --app. */
	why: string;
}

export interface DataMount {
	/** Where the volume is mounted in the container (PGDATA or a parent of it). */
	destination: string;
	pgdata: string;
	oldVolume: string;
	newVolume: string;
	/** The old volume has no name of its own (the image's VOLUME): named after the container instead. */
	anonymous: boolean;
}

export interface PostgresServerUnit extends Unit {
	kind: 'postgres-server';
	id: string;
	parkedName: string;
	/** The temporary server of the new image on the new volume, during the data move. */
	tempName: string;
	oldImageId: string;
	inspect: ContainerInspectInfo;
	oldImage: ImageInspectInfo;
	/** The new container's create options: the old one's, with the new image and the new volume. */
	spec: RecreateSpec;
	specDiff: string[];
	fromMajor: number;
	toMajor: number;
	data: DataMount;
	/** The network the temporary server joins (the old container's first), and the old server's address on it. */
	network: string;
	oldAddress: string;
	port: number;
	superuser: string;
	/** Env key holding the superuser's password in the server container (POSTGRES_PASSWORD); the value is read again, never journaled. */
	passwordKey?: string;
	/**
	 * POSTGRES_PASSWORD_FILE: the password read from that file at plan time
	 * (in memory only, never journaled), and the mount holding it, which the
	 * temporary server mounts read-only so its entrypoint reads the same file.
	 */
	passwordFile?: { path: string; password: string; mount: { type: 'bind' | 'volume'; source: string; destination: string } };
	/** Planned without the registry (it did not answer): the target is the image already on the engine, never pulled. */
	localImage?: boolean;
	dependents: Dependent[];
	stopTimeoutS: number;
	health: HealthOptions;
	/** The server container's profile (the generic one for a plain postgres image). */
	profile: Profile;
	/** Never: a server has no one-off migration. */
	migrateFirst?: undefined;
	/** Parallel jobs for dump and restore (the engine's cores, at most 4). */
	jobs: number;
	backupDir: string;
	steps: StepName[];
}

export const POSTGRES_SERVER_STEPS: StepName[] = ['pull', 'backup', 'stop-apps', 'volume', 'move', 'verify', 'stop', 'rename', 'create', 'start', 'health', 'start-apps'];
