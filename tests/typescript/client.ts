// A small front-end client written against the types openapi-typescript generates from
// docs/openapi.json (as api.d.ts beside this file). `tsc --noEmit` must accept it: the
// document is precise enough to write a typed client, and the @ts-expect-error lines
// prove mistakes are caught (tsc fails if one of them stops being an error).
import type { components, operations, paths } from "./api";

type Schemas = components["schemas"];
export type Booking = Schemas["BookingOut"];
export type Venue = Schemas["VenueOut"];
export type ApiError = components["responses"]["NotFound"]["content"]["application/json"];
type CreateBookingBody = paths["/api/bookings"]["post"]["requestBody"]["content"]["application/json"];
type ListBookingsQuery = NonNullable<operations["listBookings"]["parameters"]["query"]>;
type CreatedBooking = operations["createBooking"]["responses"][201]["content"]["application/json"];
type Retry = components["responses"]["ServiceUnavailable"]["headers"]["Retry-After"];

export class ApiFailure extends Error {
  constructor(readonly status: number, readonly body: ApiError, readonly retryAfterSeconds: number | null) {
    super(body.detail);
  }
}

export class LebrqClient {
  constructor(private readonly baseUrl: string, private readonly token: string | null = null) {}

  private async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const answer = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...(this.token === null ? {} : { Authorization: `Bearer ${this.token}` }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!answer.ok) {
      const retry = answer.headers.get("Retry-After");
      throw new ApiFailure(answer.status, (await answer.json()) as ApiError, retry === null ? null : Number(retry));
    }
    return (await answer.json()) as T;
  }

  listVenues(page = 1): Promise<Schemas["PaginatedVenueOut"]> {
    return this.call("GET", `/api/venues?page=${page}`);
  }

  listBookings(query: ListBookingsQuery = {}): Promise<Schemas["PaginatedBookingOut"]> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) search.set(key, String(value));
    }
    return this.call("GET", `/api/bookings?${search}`);
  }

  createBooking(body: CreateBookingBody, idempotencyKey?: string): Promise<CreatedBooking> {
    return this.call("POST", "/api/bookings", body, idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {});
  }

  cancelBooking(id: number, reason?: string): Promise<Booking> {
    return this.call("POST", `/api/bookings/${id}/cancel`, reason === undefined ? {} : { reason });
  }
}

export async function example(client: LebrqClient): Promise<string> {
  const booking = await client.createBooking(
    { venue_id: 1, start: "2030-01-01T10:00:00Z", end: "2030-01-01T11:00:00Z", items: [{ item_id: 2, quantity: 3 }] },
    "retry-key-1",
  );
  const total: number = booking.total_paise;
  const refund: Schemas["RefundOut"] | null = booking.refund;
  const page = await client.listBookings({ page: 2, page_size: 50, status: "pending" });
  const first: Booking | undefined = page.items[0];
  const pages: number = page.pagination.total_pages;
  const retry: Retry | undefined = undefined;
  void retry;

  // @ts-expect-error: page is a number, not a string
  await client.listBookings({ page: "2" });
  // @ts-expect-error: there is no such status
  await client.listBookings({ status: "paid" });
  // @ts-expect-error: unknown fields are refused (additionalProperties: false)
  await client.createBooking({ venue_id: 1, start: "x", end: "y", colour: "red" });
  // @ts-expect-error: venue_id is required
  await client.createBooking({ start: "x", end: "y" });
  const status: Booking["status"] = booking.status === "confirmed" ? "confirmed" : "pending";
  void status;
  // @ts-expect-error: a booking's status is one of the documented values
  const unknownStatus: Booking["status"] = "paid";
  void unknownStatus;
  // @ts-expect-error: every operation has a short operationId, and this is not one
  type Missing = operations["ApiBookingsCreate"];

  return `${total} ${refund?.credit_note_number ?? "-"} ${first?.id ?? 0} ${pages}`;
}
