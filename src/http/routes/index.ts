/**
 * Every API route, mounted in one place: follow a path from here to its module. The
 * order is the OpenAPI document's order of paths.
 */
import { notificationRoutes } from '../../notifications/routes.js';
import { paypalWebhookRoutes } from '../../payments/paypal-webhook.js';
import { stripeWebhookRoutes } from '../../payments/stripe-webhook.js';
import type { Services } from '../../services.js';
import type { FastifyZod, RouteModule } from '../kit.js';
import { caseRoutes } from './cases.js';
import { devRoutes } from './dev.js';
import { disputeRoutes } from './disputes.js';
import { evidenceRoutes } from './evidence.js';
import { insightsRoutes } from './insights.js';
import { peopleRoutes } from './people.js';
import { platformRoutes } from './platform.js';
import { toolsRoutes } from './tools.js';
import { uploadRoutes } from './uploads.js';

const API_ROUTES: RouteModule[] = [
  platformRoutes,
  peopleRoutes,
  caseRoutes,
  uploadRoutes,
  stripeWebhookRoutes,
  paypalWebhookRoutes,
  notificationRoutes,
  devRoutes,
  insightsRoutes,
  disputeRoutes,
  toolsRoutes,
  evidenceRoutes,
];

export async function registerApiRoutes(app: FastifyZod, s: Services): Promise<void> {
  for (const routes of API_ROUTES) await routes(app, s);
}
