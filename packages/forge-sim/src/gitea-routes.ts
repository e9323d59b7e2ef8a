import { Router } from './router.js';
import type { SimCore } from './sim.js';

export function buildGiteaRouter(_sim: SimCore): Router {
  return new Router();
}
