// Hand-written: the exception tree, every class tied to the error table of spec §5.2 (ErrorCodes.cs, generated).
//
//   MedicalInsuranceException            Code, Message, Retry, RetryAfter, MaxRetry, HttpStatus, Infno, Msgid,
//   │                                    TraceId, RequestId, Details, Errors (the field list of a 3xxxx)
//   ├── RequestException                 10001 10002 10003 10006 20010
//   ├── AuthenticationException          10007 10008 20008 20009
//   ├── PermissionDeniedException        10009
//   ├── RateLimitException               10004
//   ├── ServiceUnavailableException      10005 10010
//   ├── InterfaceException               2xxxx; 20003 itself
//   │   ├── UnsupportedInterfaceException 20001 20002
//   │   ├── BureauException              20006 (the bureau answered infcode != 0), Infcode
//   │   ├── ResponseFormatException      20004
//   │   ├── BureauTimeoutException       20005
//   │   └── DuplicateMessageException    20007
//   ├── DataValidationException          3xxxx, Errors lists every FieldError
//   ├── FileException                    4xxxx
//   ├── BusinessException                5xxxx
//   │   └── BureauRefusalException       5xxxx the bureau itself refused (infcode -2), Infcode
//   ├── SystemErrorException             6xxxx
//   └── OutcomeUnknownException          a write/money call whose outcome is unknown: Msgid, Outcome;
//                                        Retry is always false — resolve it, never send it again
//
// The same tree as the Python SDK's exceptions.py (C# has single inheritance: BureauRefusalException is a
// BusinessException that carries Infcode, where Python's is also a BureauError).
using System;
using System.Collections.Generic;
using System.Linq;

namespace MedicalInsurance.Sdk
{
    /// <summary>One problem with one field: <c>30002 - 必填字段缺失: mdtrtinfo.mdtrt_id</c>.</summary>
    public sealed class FieldError
    {
        public FieldError(int code, string path, string detail = "")
        {
            Code = code;
            Path = path ?? "";
            Detail = detail ?? "";
        }

        public int Code { get; private set; }
        public string Path { get; private set; }
        public string Detail { get; private set; }

        public string Message
        {
            get
            {
                string text = Code + " - " + ErrorCodes.Lookup(Code).Message + ": " + Path;
                return Detail.Length > 0 ? text + " (" + Detail + ")" : text;
            }
        }

        public override string ToString() { return Message; }
    }

    public class MedicalInsuranceException : Exception
    {
        public MedicalInsuranceException(int code, string message = null, bool? retry = null, double? retryAfter = null,
            int? httpStatus = null, string infno = null, string msgid = null, string requestId = null,
            string traceId = null, IDictionary<string, object> details = null, IEnumerable<FieldError> errors = null)
            : base(message ?? ErrorCodes.Lookup(code).Message)
        {
            ErrorCode row = ErrorCodes.Lookup(code);
            Code = code;
            Retry = retry ?? row.Retry;
            RetryAfter = retryAfter ?? (row.RetryAfter.HasValue ? (double?)row.RetryAfter.Value : null);
            MaxRetry = row.MaxRetry;
            HttpStatus = httpStatus ?? row.HttpStatus;
            Infno = infno;
            Msgid = msgid;
            RequestId = requestId;
            TraceId = traceId;
            Details = new Dictionary<string, object>(details ?? new Dictionary<string, object>());
            Errors = (errors ?? Enumerable.Empty<FieldError>()).ToList().AsReadOnly();
        }

        /// <summary>The §5.2 code (10001 … 60010).</summary>
        public int Code { get; private set; }
        /// <summary>Whether sending the same request again can help (the table's or the gateway's verdict).</summary>
        public bool Retry { get; protected set; }
        /// <summary>Seconds to wait before trying again, when the table or Retry-After says so.</summary>
        public double? RetryAfter { get; private set; }
        public int? MaxRetry { get; private set; }
        public int HttpStatus { get; private set; }
        public string Infno { get; private set; }
        public string Msgid { get; private set; }
        public string RequestId { get; private set; }
        public string TraceId { get; private set; }
        public IDictionary<string, object> Details { get; private set; }
        /// <summary>Every field problem of a 3xxxx answer (empty otherwise).</summary>
        public IReadOnlyList<FieldError> Errors { get; private set; }

        public override string ToString()
        {
            string where = Infno != null ? "【" + Infno + "】" : "";
            return where + Code + " - " + Message;
        }

        /// <summary>The class for a code of the table (the one code → class mapping of the C# client).</summary>
        public static MedicalInsuranceException For(int code, string message = null, bool? retry = null,
            double? retryAfter = null, int? httpStatus = null, string infno = null, string msgid = null,
            string requestId = null, string traceId = null, IDictionary<string, object> details = null,
            IEnumerable<FieldError> errors = null, int? infcode = null)
        {
            switch (code)
            {
                case 10001: case 10002: case 10003: case 10006: case 20010:
                    return new RequestException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details);
                case 10007: case 10008: case 20008: case 20009:
                    return new AuthenticationException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details);
                case 10009:
                    return new PermissionDeniedException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details);
                case 10004:
                    return new RateLimitException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details);
                case 10005: case 10010:
                    return new ServiceUnavailableException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details);
                case 20001: case 20002:
                    return new UnsupportedInterfaceException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details);
                case 20004:
                    return new ResponseFormatException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details);
                case 20005:
                    return new BureauTimeoutException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details);
                case 20006:
                    return new BureauException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details, infcode);
                case 20007:
                    return new DuplicateMessageException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details);
            }
            switch (code / 10000)
            {
                case 2:
                    return new InterfaceException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details);
                case 3:
                    return new DataValidationException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details, errors);
                case 4:
                    return new FileException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details);
                case 5:
                    return infcode.HasValue
                        ? new BureauRefusalException(code, message, httpStatus, infno, msgid, requestId, traceId, details, infcode)
                        : new BusinessException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details);
                case 6:
                    return new SystemErrorException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details);
            }
            return new MedicalInsuranceException(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details, errors);
        }
    }

    public class RequestException : MedicalInsuranceException
    {
        public RequestException(int code, string message = null, bool? retry = null, double? retryAfter = null, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null)
            : base(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details) { }
    }

    public class AuthenticationException : MedicalInsuranceException
    {
        public AuthenticationException(int code, string message = null, bool? retry = null, double? retryAfter = null, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null)
            : base(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details) { }
    }

    public class PermissionDeniedException : MedicalInsuranceException
    {
        public PermissionDeniedException(int code, string message = null, bool? retry = null, double? retryAfter = null, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null)
            : base(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details) { }
    }

    public class RateLimitException : MedicalInsuranceException
    {
        public RateLimitException(int code, string message = null, bool? retry = null, double? retryAfter = null, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null)
            : base(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details) { }
    }

    public class ServiceUnavailableException : MedicalInsuranceException
    {
        public ServiceUnavailableException(int code, string message = null, bool? retry = null, double? retryAfter = null, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null)
            : base(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details) { }
    }

    public class InterfaceException : MedicalInsuranceException
    {
        public InterfaceException(int code, string message = null, bool? retry = null, double? retryAfter = null, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null)
            : base(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details) { }
    }

    public class UnsupportedInterfaceException : InterfaceException
    {
        public UnsupportedInterfaceException(int code, string message = null, bool? retry = null, double? retryAfter = null, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null)
            : base(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details) { }
    }

    /// <summary>The bureau answered and said no; <see cref="Infcode"/> keeps -1 (system) and -2 (business) apart.</summary>
    public class BureauException : InterfaceException
    {
        public BureauException(int code, string message = null, bool? retry = null, double? retryAfter = null, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null,
            int? infcode = null)
            : base(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details) { Infcode = infcode; }

        public int? Infcode { get; private set; }
    }

    public class ResponseFormatException : InterfaceException
    {
        public ResponseFormatException(int code, string message = null, bool? retry = null, double? retryAfter = null, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null)
            : base(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details) { }
    }

    public class BureauTimeoutException : InterfaceException
    {
        public BureauTimeoutException(int code, string message = null, bool? retry = null, double? retryAfter = null, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null)
            : base(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details) { }
    }

    public class DuplicateMessageException : InterfaceException
    {
        public DuplicateMessageException(int code, string message = null, bool? retry = null, double? retryAfter = null, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null)
            : base(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details) { }
    }

    /// <summary>All field problems of one message, reported together in <see cref="MedicalInsuranceException.Errors"/>.</summary>
    public class DataValidationException : MedicalInsuranceException
    {
        public DataValidationException(int code, string message = null, bool? retry = null, double? retryAfter = null, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null,
            IEnumerable<FieldError> errors = null)
            : base(code, Text(message, errors), retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details, errors) { }

        private static string Text(string message, IEnumerable<FieldError> errors)
        {
            var rows = (errors ?? Enumerable.Empty<FieldError>()).ToList();
            return rows.Count > 0 ? string.Join("; ", rows.Select(e => e.Message)) : message;
        }
    }

    public class FileException : MedicalInsuranceException
    {
        public FileException(int code, string message = null, bool? retry = null, double? retryAfter = null, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null)
            : base(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details) { }
    }

    public class BusinessException : MedicalInsuranceException
    {
        public BusinessException(int code, string message = null, bool? retry = null, double? retryAfter = null, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null)
            : base(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details) { }
    }

    /// <summary>The bureau refused for a business reason (infcode -2): nothing took effect; never retried.</summary>
    public class BureauRefusalException : BusinessException
    {
        public BureauRefusalException(int code, string message = null, int? httpStatus = null, string infno = null,
            string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null,
            int? infcode = -2)
            : base(code, message, false, null, httpStatus, infno, msgid, requestId, traceId, details) { Infcode = infcode; }

        public int? Infcode { get; private set; }
    }

    public class SystemErrorException : MedicalInsuranceException
    {
        public SystemErrorException(int code, string message = null, bool? retry = null, double? retryAfter = null, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null)
            : base(code, message, retry, retryAfter, httpStatus, infno, msgid, requestId, traceId, details) { }
    }

    /// <summary>
    /// A write or money call may or may not have taken effect at the bureau.  <see cref="MedicalInsuranceException.Msgid"/>
    /// is the message on the wire, <see cref="Outcome"/> "unknown" while the gateway resolves it, "reversed" once a
    /// 2601 undid it.  Retry is always false: sending it again could settle twice — query first (e.g. 5203).
    /// </summary>
    public class OutcomeUnknownException : MedicalInsuranceException
    {
        public OutcomeUnknownException(string message = null, string outcome = "unknown", int code = 20005, int? httpStatus = null,
            string infno = null, string msgid = null, string requestId = null, string traceId = null, IDictionary<string, object> details = null)
            : base(code, message, false, null, httpStatus, infno, msgid, requestId, traceId, details)
        {
            Outcome = outcome ?? "unknown";
            if (!Details.ContainsKey("outcome")) Details["outcome"] = Outcome;
        }

        /// <summary>"unknown" or "reversed".</summary>
        public string Outcome { get; private set; }
    }
}
