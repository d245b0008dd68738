// Hand-written: the base of the typed results, the path reader that fills their friendly names (paths as the
// registry writes them: "node.field", "node[].field", "*.field", "@msgid"), and the gateway endpoints' results.
//
//   SettlementResult s = sdk.OutpatientSettle(request);
//   decimal? fund = s.InsuranceAmount;          // friendly name (generated from the registry's result types)
//   object raw = s.Raw;                         // the bureau output exactly as the gateway passed it on
//   object setlId = s.Get("setl_id");           // the first value of a bureau field anywhere in the output
using System;
using System.Collections.Generic;
using System.Linq;

namespace MedicalInsurance.Sdk
{
    /// <summary>The answer to one transaction; <see cref="Raw"/> is the bureau output as the gateway passed it on.</summary>
    public class Result
    {
        public string Infno { get; internal set; }
        /// <summary>The bureau <c>output</c>: dictionaries, lists, strings, long and decimal (never double).</summary>
        public object Raw { get; internal set; }
        public string Msgid { get; internal set; }
        public string RequestId { get; internal set; }
        public string Message { get; internal set; }
        public IDictionary<string, object> Pagination { get; internal set; }
        /// <summary>A file answer's bytes (9102), else null.</summary>
        public byte[] Content { get; internal set; }
        public string FileName { get; internal set; }

        /// <summary>The first value of bureau field <paramref name="field"/> anywhere in the output.</summary>
        public object Get(string field)
        {
            return Paths.Deep(Raw, field);
        }

        /// <summary>The rows of list node <paramref name="node"/>; without one, the answer's rows wherever they are.</summary>
        public IList<IDictionary<string, object>> Rows(string node = null)
        {
            object source = Raw;
            var map = source as IDictionary<string, object>;
            if (map != null)
            {
                if (node != null) source = Answers.Get(map, node);
                else
                {
                    object data = Answers.Get(map, "data");
                    source = data is IList<object> ? data : (object)map.Values.OfType<IList<object>>().FirstOrDefault() ?? map;
                }
            }
            var single = source as IDictionary<string, object>;
            if (single != null) return new List<IDictionary<string, object>> { single };
            var list = source as IList<object>;
            return list == null ? new List<IDictionary<string, object>>() : list.OfType<IDictionary<string, object>>().ToList();
        }

        /// <summary>Filled by each generated result class from the registry's friendly-name table.</summary>
        protected internal virtual void Fill() { }

        protected object Pick(params string[] paths)
        {
            foreach (string path in paths)
            {
                object value = path.StartsWith("@", StringComparison.Ordinal) ? Receipt(path.Substring(1)) : Paths.Find(Raw, path);
                if (value != null && !Equals(value, "")) return value;
            }
            return null;
        }

        protected string PickString(params string[] paths) { return Json.ToText(Pick(paths)); }

        protected decimal? PickDecimal(params string[] paths) { return Json.ToDecimal(Pick(paths)); }

        protected long? PickInt(params string[] paths)
        {
            decimal? value = Json.ToDecimal(Pick(paths));
            return value.HasValue ? (long?)decimal.Truncate(value.Value) : null;
        }

        private object Receipt(string name)
        {
            switch (name)
            {
                case "msgid": return Msgid;
                case "request_id": return RequestId;
                case "message": return Message;
                default: return null;
            }
        }

        public static T Build<T>(string infno, Answer answer) where T : Result, new()
        {
            var result = new T
            {
                Infno = infno,
                Raw = answer.Data,
                Msgid = answer.Msgid,
                RequestId = answer.RequestId,
                Message = answer.Message,
                Pagination = answer.Pagination,
                Content = answer.Content,
                FileName = answer.FileName,
            };
            result.Fill();
            return result;
        }
    }

    /// <summary>【2001】待遇检查: Status "pass" when no row limits the person's benefits, else "restricted".</summary>
    public partial class BenefitCheckResult
    {
        public string Status { get; private set; }

        public IList<IDictionary<string, object>> Restrictions
        {
            get { return Rows("trtinfo").Where(row => (Json.ToText(Answers.Get(row, "trt_enjymnt_flag")) ?? "1") != "1").ToList(); }
        }

        protected internal override void Fill()
        {
            Status = Restrictions.Count > 0 ? "restricted" : "pass";
        }
    }

    /// <summary>The path syntax of the registry's result table (registry/results.py).</summary>
    public static class Paths
    {
        public static object Find(object raw, string path)
        {
            if (path.StartsWith("*.", StringComparison.Ordinal)) return Deep(raw, path.Substring(2));
            object node = raw;
            string[] parts = path.Split('.');
            for (int i = 0; i < parts.Length; i++)
            {
                string part = parts[i];
                var map = node as IDictionary<string, object>;
                if (part.EndsWith("[]", StringComparison.Ordinal))
                {
                    object rows = map != null ? Answers.Get(map, part.Substring(0, part.Length - 2)) : null;
                    string rest = string.Join(".", parts.Skip(i + 1));
                    foreach (object row in AsRows(rows))
                    {
                        object value = Find(row, rest);
                        if (value != null && !Equals(value, "")) return value;
                    }
                    return null;
                }
                node = map != null ? Answers.Get(map, part) : null;
            }
            return node;
        }

        /// <summary>The first non-empty scalar of <paramref name="field"/> anywhere (depth first, document order).</summary>
        public static object Deep(object raw, string field)
        {
            foreach (var map in Walk(raw))
            {
                object value = Answers.Get(map, field);
                if (value != null && !Equals(value, "") && !(value is IDictionary<string, object>) && !(value is IList<object>))
                    return value;
            }
            return null;
        }

        private static IEnumerable<IDictionary<string, object>> Walk(object node)
        {
            var map = node as IDictionary<string, object>;
            if (map != null)
            {
                yield return map;
                foreach (object value in map.Values)
                    foreach (var inner in Walk(value)) yield return inner;
            }
            var list = node as IList<object>;
            if (list != null)
                foreach (object item in list)
                    foreach (var inner in Walk(item)) yield return inner;
        }

        private static IEnumerable<object> AsRows(object value)
        {
            if (value is IDictionary<string, object>) return new[] { value };
            var list = value as IList<object>;
            return list ?? (IEnumerable<object>)new object[0];
        }
    }

    // ------------------------------------------------------------------------- the gateway's endpoints

    /// <summary>One answer of the gateway's own endpoints: Data and, for pages, §1.4's Pagination.</summary>
    public sealed class GatewayAnswer
    {
        public object Data { get; internal set; }
        public string Message { get; internal set; }
        public string RequestId { get; internal set; }
        public IDictionary<string, object> Pagination { get; internal set; }
        public int StatusCode { get; internal set; }
        public byte[] Content { get; internal set; }
        public string FileName { get; internal set; }

        public IDictionary<string, object> DataMap { get { return Data as IDictionary<string, object> ?? new Dictionary<string, object>(); } }
    }

    /// <summary>One operation of a batch (spec §11.2.3 BatchOperation).</summary>
    public sealed class BatchOperation
    {
        /// <summary>interface_type (outpatient_settle), infno (2207) or method name of the transaction.</summary>
        public string InterfaceType { get; set; }
        /// <summary>The bureau input: a node dictionary, a single node's flat fields, or a generated request object.</summary>
        public object Data { get; set; }
        public int Sequence { get; set; }
    }

    /// <summary>One operation's outcome; <see cref="Exception"/> is what it would have thrown called alone.</summary>
    public sealed class BatchItem
    {
        public int Sequence { get; internal set; }
        public string InterfaceType { get; internal set; }
        public string Infno { get; internal set; }
        public bool Success { get; internal set; }
        public string Msgid { get; internal set; }
        /// <summary>The bureau output of a successful operation.</summary>
        public object Output { get; internal set; }
        public int? ErrorCode { get; internal set; }
        public string Error { get; internal set; }
        public MedicalInsuranceException Exception { get; internal set; }
    }

    /// <summary>The outcome of BatchUpload: SuccessCount / TotalCount (spec §11.2.3).</summary>
    public sealed class BatchResult
    {
        public string BatchId { get; internal set; }
        public IReadOnlyList<BatchItem> Items { get; internal set; }
        public bool StoppedEarly { get; internal set; }
        public int TotalCount { get { return Items.Count; } }
        public int SuccessCount { get { return Items.Count(i => i.Success); } }
        public int FailedCount { get { return TotalCount - SuccessCount; } }
        public string Status { get { return FailedCount == 0 ? "completed" : SuccessCount == 0 ? "failed" : "partial"; } }
    }

    /// <summary>An async task (§3.3): Status pending / processing / completed / failed, Progress in %.</summary>
    public sealed class TaskInfo
    {
        public string TaskId { get; internal set; }
        public string TaskType { get; internal set; }
        public string Status { get; internal set; }
        public int Progress { get; internal set; }
        public string BatchId { get; internal set; }
        public int? ErrorCode { get; internal set; }
        public string ErrorMessage { get; internal set; }
        public object Result { get; internal set; }
        public IDictionary<string, object> Raw { get; internal set; }
        public bool Finished { get { return Status == "completed" || Status == "failed"; } }

        internal static TaskInfo From(object data)
        {
            var map = data as IDictionary<string, object> ?? new Dictionary<string, object>();
            decimal? progress = Json.ToDecimal(Answers.Get(map, "progress"));
            decimal? code = Json.ToDecimal(Answers.Get(map, "error_code"));
            return new TaskInfo
            {
                TaskId = Json.ToText(Answers.Get(map, "task_id")),
                TaskType = Json.ToText(Answers.Get(map, "task_type")),
                Status = Json.ToText(Answers.Get(map, "status")),
                Progress = progress.HasValue ? (int)progress.Value : 0,
                BatchId = Json.ToText(Answers.Get(map, "batch_id")),
                ErrorCode = code.HasValue ? (int?)code.Value : null,
                ErrorMessage = Json.ToText(Answers.Get(map, "error_message")),
                Result = Answers.Get(map, "result"),
                Raw = map,
            };
        }
    }

    /// <summary>A file kept by the gateway (§3.4).</summary>
    public sealed class StoredFile
    {
        public string FileId { get; internal set; }
        public string FileName { get; internal set; }
        public long Size { get; internal set; }
        public string Sha256 { get; internal set; }
        public string ContentType { get; internal set; }

        internal static StoredFile From(object data)
        {
            var map = data as IDictionary<string, object> ?? new Dictionary<string, object>();
            decimal? size = Json.ToDecimal(Answers.Get(map, "size"));
            return new StoredFile
            {
                FileId = Json.ToText(Answers.Get(map, "file_id")),
                FileName = Json.ToText(Answers.Get(map, "filename")),
                Size = size.HasValue ? (long)size.Value : 0,
                Sha256 = Json.ToText(Answers.Get(map, "sha256")),
                ContentType = Json.ToText(Answers.Get(map, "content_type")),
            };
        }
    }
}
