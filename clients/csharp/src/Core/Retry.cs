// Hand-written: the client's one retry policy — the rules of the Python SDK's sdk/_retry.py, in the same order.
//
//   double? delay = policy.Delay(Safety.Money, failure, attempt: 1);   // null: give the error to the caller
//
// A query may be asked again whenever the answer was lost or the server failed.  A write or money call is
// sent again only when it provably never reached the gateway (connection refused) or the gateway refused it
// at the door (429): otherwise it may have settled, and a second send could settle twice.
using System;

namespace MedicalInsurance.Sdk
{
    /// <summary>What a call may do at the bureau: read, change data, or move money.</summary>
    public enum Safety { Query, Write, Money }

    /// <summary>NotSent: never left this machine; Lost: no answer; Answered: an HTTP error answer.</summary>
    public enum FailureKind { NotSent, Lost, Answered }

    /// <summary>One failed attempt.</summary>
    public sealed class Failure
    {
        public Failure(FailureKind kind, MedicalInsuranceException error, int? status = null, double? retryAfter = null)
        {
            Kind = kind;
            Error = error;
            Status = status;
            RetryAfter = retryAfter;
        }

        public FailureKind Kind { get; private set; }
        public MedicalInsuranceException Error { get; private set; }
        public int? Status { get; private set; }
        /// <summary>The Retry-After header, seconds.</summary>
        public double? RetryAfter { get; private set; }
    }

    public sealed class RetryPolicy
    {
        private readonly SdkConfig config;
        private readonly Random rng;
        private readonly object gate = new object();

        public RetryPolicy(SdkConfig config, Random rng = null)
        {
            this.config = config;
            this.rng = rng ?? new Random();
        }

        /// <summary>Seconds to wait before attempt <paramref name="attempt"/> + 1, or null: give the error to the caller.</summary>
        public double? Delay(Safety safety, Failure failure, int attempt)
        {
            if (attempt >= MaxAttempts(failure)) return null;
            // The request never left this machine: sending it is safe for every kind of call.
            if (failure.Kind == FailureKind.NotSent) return Backoff(attempt);
            // A 429 is a refusal at the door, nothing was processed: wait as long as the gateway asks.
            if (failure.Status == 429)
            {
                double? wait = failure.RetryAfter ?? failure.Error.RetryAfter;
                if (wait == null) return Backoff(attempt);
                return wait.Value <= config.MaxRetryAfter ? wait : null;
            }
            // From here on the request may have been processed: only reads may be asked again.
            if (safety != Safety.Query) return null;
            // A lost answer to a read: ask again.
            if (failure.Kind == FailureKind.Lost) return Backoff(attempt);
            // A server-side failure the error table calls retryable (20005 timeout, 20006 bureau, 6xxxx ...).
            if (failure.Status.HasValue && failure.Status.Value >= 500 && failure.Error.Retry) return Backoff(attempt);
            // Everything else (validation, permission, business refusals) gets the same answer every time.
            return null;
        }

        public int MaxAttempts(Failure failure)
        {
            // the error table may allow fewer tries than configured (20007 报文ID重复: max_retry 1)
            int allowed = config.MaxAttempts;
            if (failure.Kind == FailureKind.Answered && failure.Error.MaxRetry.HasValue)
                allowed = Math.Min(allowed, failure.Error.MaxRetry.Value + 1);
            return allowed;
        }

        public double Backoff(int attempt)
        {
            double baseDelay = Math.Min(config.MaxBackoff, config.BackoffFactor * Math.Pow(2, attempt - 1));
            return Jitter(baseDelay);
        }

        // half to full delay: many HIS workstations retrying at once must not hit the gateway in step
        private double Jitter(double seconds)
        {
            lock (gate) return seconds * (0.5 + rng.NextDouble() / 2);
        }
    }
}
