import { NxsError } from '../core/errors.ts';
import { needs, type Route } from '../http/route.ts';
import type { Doctor } from './doctor.ts';
import type { DiagnosisStatus } from './types.ts';

const STATUSES: readonly DiagnosisStatus[] = ['noted', 'applied', 'failed', 'pending', 'denied'];

export function doctorRoutes(doctor: Doctor): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/doctor/diagnoses',
      access: needs('ADMIN'),
      handler: ({ query }) => {
        const status = query.get('status') ?? undefined;
        if (status !== undefined && !STATUSES.includes(status as DiagnosisStatus)) throw new NxsError('NXS_ERR_BAD_REQUEST', `status must be one of ${STATUSES.join(', ')}`);
        return { body: { diagnoses: doctor.list(status as DiagnosisStatus | undefined) } };
      },
    },
    {
      method: 'GET',
      path: '/api/doctor/diagnoses/:id',
      access: needs('ADMIN'),
      handler: ({ params }) => ({ body: doctor.get(params.id!) }),
    },
    {
      method: 'POST',
      path: '/api/doctor/diagnoses/:id/approve',
      access: needs('ADMIN'),
      handler: async ({ params, principal }) => ({ body: await doctor.approve(params.id!, principal!.id) }),
    },
    {
      method: 'POST',
      path: '/api/doctor/diagnoses/:id/deny',
      access: needs('ADMIN'),
      handler: ({ params, principal }) => ({ body: doctor.deny(params.id!, principal!.id) }),
    },
  ];
}
