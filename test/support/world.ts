import { inject } from 'vitest';

/** The test world's coordinates, as written by test/world/up.sh into world.env. */
export interface World {
	dockerHost: string;
	/** The second engine (always started by the world): a DOCKER_HOST endpoint. */
	engine2Host: string;
	/** The single-node swarm's manager (engine 2's endpoint). */
	swarmHost: string;
	registry: string;
	authRegistry: string;
	authUser: string;
	authPassword: string;
	appRepo: string;
	appTags: string[];
	pgImage: string;
	pgHost: string;
	pgPort: number;
	pgSocketDir: string;
	pgSuperuser: string;
	pgSuperuserPassword: string;
	pgBin: string;
	dir: string;
}

export function world(): World {
	const env = inject('world');
	const need = (key: string) => {
		const value = env[key];
		if (!value) throw new Error(`world.env has no ${key}: did test/world/up.sh run?`);
		return value;
	};
	return {
		dockerHost: need('DOCKER_HOST'),
		engine2Host: need('UW_ENGINE2_HOST'),
		swarmHost: need('UW_SWARM_HOST'),
		registry: need('UW_REGISTRY'),
		authRegistry: need('UW_AUTH_REGISTRY'),
		authUser: need('UW_AUTH_REGISTRY_USER'),
		authPassword: need('UW_AUTH_REGISTRY_PASSWORD'),
		appRepo: need('UW_APP_REPO'),
		appTags: need('UW_APP_TAGS').split(/\s+/).filter(Boolean),
		pgImage: need('UW_PG_IMAGE'),
		pgHost: need('UW_PG_HOST'),
		pgPort: Number(need('UW_PG_PORT')),
		pgSocketDir: need('UW_PG_SOCKET_DIR'),
		pgSuperuser: need('UW_PG_SUPERUSER'),
		pgSuperuserPassword: need('UW_PG_SUPERUSER_PASSWORD'),
		pgBin: need('UW_PG_BIN'),
		dir: need('UW_WORLD_DIR'),
	};
}
