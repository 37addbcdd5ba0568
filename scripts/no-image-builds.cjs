// Stands in for what dockerode needs only to build images: the BuildKit session
// (@grpc/grpc-js, @grpc/proto-loader, protobufjs, uuid) and the build context
// (tar-fs, @balena/dockerignore). The wizard never builds an image; bundled,
// these were parsed and initialised before the first frame (dockerode requires
// them when it loads). Any use says so instead of failing obscurely.
const refuse = () => {
	throw new Error('image builds are not part of the upgrade-wizard bundle');
};
module.exports = new Proxy({}, { get: (_, key) => (key === '__esModule' ? false : refuse) });
