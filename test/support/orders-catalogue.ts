// A team's own scope catalogue, the example of docs/scopes.md: orders (named resources) and reports (none).
// The tests of a deployment's own catalogue share it; the example consumer apps keep their own
// copy, as another team's app would.
import type { Catalogue } from '#spec/scopes';

export const ORDERS: Catalogue = {
  'orders:read': {
    label: 'Orders: Read',
    resources: true,
    grants: [{ methods: ['GET'], path: '/orders/{resource}/*' }],
  },
  'orders:write': {
    label: 'Orders: Write',
    resources: true,
    grants: [{ methods: ['*'], path: '/orders/{resource}/*' }],
  },
  'reports:read': {
    label: 'Reports: Read',
    resources: false,
    grants: [{ methods: ['GET', 'HEAD'], path: '/reports/*' }],
  },
};
