// The workload the browser-bundle test runs twice — in Chromium on the esbuild bundles, and in Node on
// the sources — so that every deterministic answer (privacy maps, accountants, the budget's refusal) can be
// compared value for value, and every random one checked for range. Plain JavaScript: it is inlined into the page.
export async function workload(root, local, client) {
  const out = {};
  const laplace = root.makeLaplace({ scale: root.laplaceScaleForEpsilon(1, 1) });
  const released = laplace.release(42);
  out.laplaceMap = JSON.stringify(laplace.privacyMap(1));
  out.laplaceReleaseFinite = Number.isFinite(released.value);
  const gaussian = root.makeGaussian({ sigma: 2 });
  out.gaussianMap = JSON.stringify(gaussian.privacyMap(1));
  out.gaussianFinite = Number.isFinite(gaussian.invoke(0));
  out.discreteLaplace = typeof root.makeDiscreteLaplace({ scale: '2' }).invoke(10n);
  let budget = root.PrivacyBudget.pure(1);
  for (let i = 0; i < 11; i++) budget = budget.charge(root.pure(1 / 11));
  try {
    budget.charge(root.pure(1 / 11));
    out.budgetOverrun = 'no error';
  } catch (e) {
    out.budgetOverrun = e.code;
  }
  const sgd = root.DpEvents.selfComposed(root.DpEvents.poissonSampled(256 / 60000, root.DpEvents.gaussian(1.1)), 1000);
  out.rdpEpsilon = new root.RdpAccountant().compose(sgd).epsilon(1e-5);
  out.pldEpsilon = new root.PldAccountant().compose(root.DpEvents.selfComposed(root.DpEvents.gaussian(4), 16)).epsilon(1e-5);
  out.zcdpEpsilon = new root.ZcdpAccountant().compose(root.DpEvents.gaussian(3)).epsilon(1e-6);
  const olh = client.createOlhClient({ epsilon: 2, domainSize: 16 });
  const aggregator = local.createAggregator({ protocol: 'olh', epsilon: 2, domainSize: 16 });
  for (let i = 0; i < 4000; i++) aggregator.add(olh.encode(i % 4));
  out.clientEpsilon = olh.epsilon;
  out.localAccepted = aggregator.stats().accepted;
  out.localEstimates = aggregator.estimate().map((e) => e.count);
  return out;
}
