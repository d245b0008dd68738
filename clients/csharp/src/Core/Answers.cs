// Hand-written: gateway answers → an Answer or the Failure it means — the Python SDK's sdk/_answers.py rules.
//
//   object outcome = Answers.Read(response, requestId, "2207", file: false);   // Answer or Failure (no I/O)
//   MedicalInsuranceException e = Answers.FinalError(Safety.Money, "2207", failure, requestId);
//
// A §1.3 error answer becomes MedicalInsuranceException.For(error_code, message, …) with the gateway's retry
// verdict and Retry-After; data {msgid, outcome} of an unknown money outcome — also in a failed task's result
// or a batch's failed_operation — is an OutcomeUnknownException (retry false); data {errors} the field list of
// a DataValidationException.  An HTTP answer without the gateway's JSON (a proxy's page) maps by its status.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace MedicalInsurance.Sdk
{
    /// <summary>One HTTP answer as the core reads it (headers by lower-case name).</summary>
    public sealed class RawResponse
    {
        public RawResponse(int status, byte[] body, IDictionary<string, string> headers = null)
        {
            Status = status;
            Body = body ?? new byte[0];
            Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (headers != null) foreach (var pair in headers) Headers[pair.Key] = pair.Value;
        }

        public int Status { get; private set; }
        public byte[] Body { get; private set; }
        public IDictionary<string, string> Headers { get; private set; }

        public string Header(string name)
        {
            string value;
            return Headers.TryGetValue(name, out value) ? value : null;
        }
    }

    /// <summary>One successful gateway answer (§1.3), or the file a download returned.</summary>
    public sealed class Answer
    {
        public object Data { get; set; }
        public string Message { get; set; }
        public string RequestId { get; set; }
        public string Msgid { get; set; }
        public IDictionary<string, object> InterfaceInfo { get; set; }
        public IDictionary<string, object> Pagination { get; set; }
        public byte[] Content { get; set; }
        public string FileName { get; set; }
        public int Status { get; set; }
    }

    public static class Answers
    {
        /// <summary>An HTTP error answer without the gateway's JSON body → the table's code.</summary>
        private static readonly Dictionary<int, int> StatusCodes = new Dictionary<int, int>
        {
            { 400, 10002 }, { 401, 10007 }, { 403, 10009 }, { 404, 20001 }, { 405, 10002 }, { 408, 20005 },
            { 413, 10003 }, { 422, 30010 }, { 429, 10004 }, { 503, 10005 }, { 504, 20005 },
        };

        private static int ForStatus(int status)
        {
            int code;
            return StatusCodes.TryGetValue(status, out code) ? code : status >= 500 ? 20003 : 10002;
        }

        /// <summary>An <see cref="Answer"/>, or the <see cref="Failure"/> the error answer means.</summary>
        public static object Read(RawResponse response, string requestId, string infno = null, bool file = false)
        {
            int status = response.Status;
            double? retryAfter = RetryAfterSeconds(response.Header("retry-after"));
            object data = ParseJson(response.Body);
            var body = data as IDictionary<string, object>;
            string contentType = response.Header("content-type") ?? "application/json";
            bool envelope = contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
                && body != null && body.ContainsKey("success");
            bool ok = status >= 200 && status < 300;
            if (file && ok && !envelope)
                return new Answer
                {
                    Content = response.Body,
                    FileName = FileName(response.Header("content-disposition")),
                    Msgid = response.Header("x-msgid"),
                    RequestId = response.Header("x-request-id") ?? requestId,
                    Status = status,
                };
            var receipt = new Dictionary<string, object> { { "request_id", requestId } };
            if (data == null)
            {
                if (ok)
                    return new Failure(FailureKind.Answered,
                        MedicalInsuranceException.For(20004, "网关应答不是 JSON", infno: infno, requestId: requestId, details: receipt), status);
                receipt["gateway_answered"] = false;
                string page = Encoding.UTF8.GetString(response.Body, 0, Math.Min(200, response.Body.Length)).Trim();
                var error = MedicalInsuranceException.For(ForStatus(status), "HTTP " + status + ": " + page, infno: infno,
                    httpStatus: status, requestId: requestId, details: receipt);
                return new Failure(FailureKind.Answered, error, status, retryAfter);
            }
            if (body == null)
                return new Failure(FailureKind.Answered,
                    MedicalInsuranceException.For(20004, "网关应答不是 JSON 对象", infno: infno, requestId: requestId, details: receipt), status);
            object success;
            bool succeeded = body.TryGetValue("success", out success) ? success is bool s && s : ok;
            if (succeeded && status < 400)
            {
                var info = Get(body, "interface_info") as IDictionary<string, object>;
                object msgid = Get(body, "msgid") ?? (info != null ? Get(info, "msgid") : null);
                return new Answer
                {
                    Data = Get(body, "data"),
                    Message = Get(body, "message") as string,
                    RequestId = (Get(body, "request_id") as string) ?? response.Header("x-request-id") ?? requestId,
                    Msgid = msgid != null ? Json.ToText(msgid) : null,
                    InterfaceInfo = info,
                    Pagination = Get(body, "pagination") as IDictionary<string, object>,
                    Status = status,
                };
            }
            return new Failure(FailureKind.Answered, GatewayError(infno, body, status, requestId, retryAfter), status, retryAfter);
        }

        /// <summary>The exception for a gateway error answer {success: false, error_code, message, error, data}.</summary>
        public static MedicalInsuranceException GatewayError(string infno, IDictionary<string, object> body, int status,
            string requestId, double? retryAfter = null)
        {
            body = body ?? new Dictionary<string, object>();
            var data = Map(Get(body, "data"));
            var error = Map(Get(body, "error"));
            var result = Map(Get(data, "result"));
            // where an operation's own words are: the answer itself, a task's result, a batch's first failure
            var sources = new[] { data, result, Map(Get(result, "failed_operation")), error };
            int code = Code(Get(body, "error_code")) ?? Code(Get(error, "code")) ?? ForStatus(status);
            string message = Json.ToText(Get(body, "message") ?? Get(error, "message"));
            if (string.IsNullOrEmpty(message)) message = null;
            string msgid = Json.ToText(First(sources, "msgid"));
            var details = new Dictionary<string, object> { { "request_id", Get(body, "request_id") ?? requestId } };
            foreach (string key in new[] { "infcode", "kind", "outcome", "server_ip", "upstream_status" })
            {
                object value = First(sources, key);
                if (value != null) details[key] = value;
            }
            infno = infno ?? Json.ToText(First(sources.Concat(new[] { Map(Get(body, "interface_info")) }).ToArray(), "infno"));
            string rid = Json.ToText(details["request_id"]);
            string traceId = Json.ToText(Get(error, "trace_id"));
            object outcome;
            if (details.TryGetValue("outcome", out outcome) && (Equals(outcome, "unknown") || Equals(outcome, "reversed")))
                return new OutcomeUnknownException(message, (string)outcome, code, status, infno, msgid, rid, traceId, details);
            object verdict = Get(error, "retry");
            bool? retry = verdict is bool v ? (bool?)v : null;
            double? hint = retryAfter;
            if (hint == null)
            {
                decimal? fromBody = Json.ToDecimal(Get(error, "retry_after"));
                if (fromBody.HasValue) hint = (double)fromBody.Value;
            }
            var errors = new List<FieldError>();
            object rows = Get(data, "errors");
            if (code / 10000 == 3)
            {
                var list = rows as IList<object>;
                if (list != null) errors.AddRange(list.OfType<IDictionary<string, object>>().Select(ReadFieldError));
            }
            else if (rows is IList<object>) details["errors"] = rows;
            int? infcode = null;
            if (details.ContainsKey("infcode") && details["infcode"] is long l) infcode = (int)l;
            return MedicalInsuranceException.For(code, message, retry, hint, status, infno, msgid, rid, traceId, details, errors, infcode);
        }

        /// <summary>The exception of a failed batch operation (§3.2.3 status row), as if it had been called alone.</summary>
        public static MedicalInsuranceException OperationError(IDictionary<string, object> op, string requestId)
        {
            string state = Json.ToText(Get(op, "status"));
            if (state == null || state == "success") return null;
            int code = Code(Get(op, "error_code")) ?? 20003;
            var output = Map(Get(op, "output"));
            var body = new Dictionary<string, object>
            {
                { "error_code", code },
                { "message", Get(op, "error_message") ?? state },
                { "data", new Dictionary<string, object>
                    {
                        { "msgid", Get(op, "msgid") }, { "outcome", Get(op, "outcome") },
                        { "infcode", Get(op, "infcode") ?? Get(output, "infcode") },
                    } },
            };
            return GatewayError(Json.ToText(Get(op, "infno")), body, ErrorCodes.Lookup(code).HttpStatus, requestId);
        }

        /// <summary>A transport exception: NotSent when the request provably never left (connection refused), else Lost.</summary>
        public static Failure TransportFailure(string infno, Exception exception, string requestId)
        {
            var details = new Dictionary<string, object> { { "request_id", requestId }, { "transport", exception.GetType().Name } };
            if (NeverSent(exception))
                return new Failure(FailureKind.NotSent, MedicalInsuranceException.For(60005,
                    "网络连接异常，请求未发出: " + Innermost(exception).Message, infno: infno, requestId: requestId, details: details));
            return new Failure(FailureKind.Lost, MedicalInsuranceException.For(20005,
                ("网关未应答: " + exception.GetType().Name + " " + Innermost(exception).Message).Trim(), infno: infno,
                requestId: requestId, details: details));
        }

        /// <summary>
        /// What the caller gets when no further attempt is made: a write or money call whose answer was lost (or
        /// met a proxy's 5xx page) may have taken effect — an OutcomeUnknownException, never an error inviting a resend.
        /// </summary>
        public static MedicalInsuranceException FinalError(Safety safety, string infno, Failure failure, string requestId)
        {
            object answered;
            bool proxyPage = failure.Status.HasValue && failure.Status.Value >= 500
                && failure.Error.Details.TryGetValue("gateway_answered", out answered) && Equals(answered, false);
            if (safety != Safety.Query && (failure.Kind == FailureKind.Lost || proxyPage))
                return new OutcomeUnknownException("网关未应答，请求 " + requestId + " 的结果未知：请先查询确认，勿重复办理",
                    infno: infno, requestId: requestId,
                    details: new Dictionary<string, object> { { "request_id", requestId }, { "cause", failure.Error.Message } });
            return failure.Error;
        }

        // ------------------------------------------------------------------------------------ helpers

        private static bool NeverSent(Exception exception)
        {
            for (Exception e = exception; e != null; e = e.InnerException)
            {
                var socket = e as SocketException;
                if (socket != null && (socket.SocketErrorCode == SocketError.ConnectionRefused
                    || socket.SocketErrorCode == SocketError.HostNotFound || socket.SocketErrorCode == SocketError.HostUnreachable
                    || socket.SocketErrorCode == SocketError.NetworkUnreachable || socket.SocketErrorCode == SocketError.TryAgain))
                    return true;
                var web = e as WebException;
                if (web != null && (web.Status == WebExceptionStatus.ConnectFailure || web.Status == WebExceptionStatus.NameResolutionFailure))
                    return true;
            }
            return false;
        }

        private static Exception Innermost(Exception e)
        {
            while (e.InnerException != null) e = e.InnerException;
            return e;
        }

        private static readonly Regex FieldDetail = new Regex(@"^\d+ - [^:]*: \S+ \((?<detail>.*)\)$");

        private static FieldError ReadFieldError(IDictionary<string, object> item)
        {
            int code = Code(Get(item, "code")) ?? 30010;
            string path = Json.ToText(Get(item, "field") ?? Get(item, "path") ?? Get(item, "loc")) ?? "";
            string text = Json.ToText(Get(item, "message")) ?? "";
            Match match = FieldDetail.Match(text);
            return new FieldError(code, path, match.Success ? match.Groups["detail"].Value : Json.ToText(Get(item, "detail")) ?? "");
        }

        internal static object Get(IDictionary<string, object> map, string key)
        {
            object value;
            return map != null && map.TryGetValue(key, out value) ? value : null;
        }

        private static IDictionary<string, object> Map(object value)
        {
            return value as IDictionary<string, object> ?? new Dictionary<string, object>();
        }

        private static object First(IDictionary<string, object>[] sources, string key)
        {
            foreach (var source in sources)
            {
                object value = Get(source, key);
                if (value != null && !Equals(value, "")) return value;
            }
            return null;
        }

        private static int? Code(object value)
        {
            decimal? number = Json.ToDecimal(value);
            if (number == null || number.Value != decimal.Truncate(number.Value)) return null;
            int code = (int)number.Value;
            return ErrorCodes.Contains(code) ? (int?)code : null;
        }

        private static object ParseJson(byte[] body)
        {
            int start = 0;
            if (body.Length >= 3 && body[0] == 0xEF && body[1] == 0xBB && body[2] == 0xBF) start = 3;
            while (start < body.Length && (body[start] == ' ' || body[start] == '\t' || body[start] == '\r' || body[start] == '\n')) start++;
            if (start >= body.Length || (body[start] != '{' && body[start] != '[')) return null;
            try { return Json.Parse(body); }
            catch (FormatException) { return null; }
        }

        private static double? RetryAfterSeconds(string value)
        {
            double seconds;
            if (string.IsNullOrWhiteSpace(value)) return null;
            return double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) ? Math.Max(0, seconds) : (double?)null;
        }

        private static string FileName(string disposition)
        {
            if (string.IsNullOrEmpty(disposition)) return null;
            Match star = Regex.Match(disposition, @"filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)");
            string name = star.Success ? Uri.UnescapeDataString(star.Groups[1].Value.Trim())
                : Regex.Match(disposition, "filename\\s*=\\s*\"?([^\";]+)\"?").Groups[1].Value.Trim();
            if (name.Length == 0) return null;
            name = name.Replace('\\', '/');
            return name.Substring(name.LastIndexOf('/') + 1);
        }
    }
}
