// Stands in for @grpc/grpc-js, @grpc/proto-loader and protobufjs in the bundle.
// dockerode requires them only for BuildKit builds (buildImage with version 2),
// which the wizard never runs; bundled, they were a third of the code parsed
// before the first frame. Any use says so instead of failing obscurely.
const refuse = () => {
	throw new Error('BuildKit sessions are not part of the upgrade-wizard bundle');
};
module.exports = new Proxy({}, { get: (_, key) => (key === '__esModule' ? false : refuse) });
