// Hand-written: a small JSON reader/writer that never lets a number pass through binary floating point.
//
//   object value = Json.Parse("{\"medfee_sumamt\": 1775.00}");   // Dictionary<string, object>, decimal 1775.00
//   string text = Json.Serialize(new Dictionary<string, object> { { "pric", 12.50m } });   // {"pric":12.50}
//
// Reading: objects become Dictionary<string, object> (keys in document order), arrays List<object>, strings
// string, true/false bool, null null; an integer that fits is long, any other number decimal (its scale kept:
// 25.00 stays 25.00).  Only a number outside decimal's range (beyond ±7.9e28 or with an exponent decimal
// cannot hold) is refused with a FormatException: an amount is never silently rounded.
// Writing: decimal as its invariant text (scale kept), IJsonValue objects (the generated request classes) as
// what they return, any IDictionary as an object, any other IEnumerable as an array, DateTime as
// "yyyy-MM-dd HH:mm:ss" (the bureau's DT format).  float and double are written with "R" (round-trip) but
// amounts should be decimal.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace MedicalInsurance.Sdk
{
    /// <summary>An object that writes itself as JSON (the generated request and node classes).</summary>
    public interface IJsonValue
    {
        object ToJsonValue();
    }

    public static class Json
    {
        public static object Parse(string text)
        {
            if (text == null) throw new ArgumentNullException("text");
            var reader = new Reader(text);
            reader.SkipSpace();
            object value = reader.ReadValue(0);
            reader.SkipSpace();
            if (!reader.AtEnd) throw reader.Error("多余的字符");
            return value;
        }

        public static object Parse(byte[] utf8)
        {
            string text = new UTF8Encoding(false).GetString(utf8);
            return Parse(text.Length > 0 && text[0] == '\uFEFF' ? text.Substring(1) : text);
        }

        public static string Serialize(object value)
        {
            var builder = new StringBuilder();
            Write(builder, value, 0);
            return builder.ToString();
        }

        /// <summary>A number as exact decimal: decimal, integers, or their JSON/string text.</summary>
        public static decimal? ToDecimal(object value)
        {
            if (value == null) return null;
            if (value is decimal d) return d;
            if (value is long l) return l;
            if (value is int i) return i;
            var text = value as string;
            if (text != null && text.Trim().Length > 0)
            {
                decimal parsed;
                if (decimal.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out parsed))
                    return parsed;
            }
            return null;
        }

        /// <summary>Scalar as text the way the gateway would show it (decimal scale kept).</summary>
        public static string ToText(object value)
        {
            if (value == null) return null;
            var text = value as string;
            if (text != null) return text;
            if (value is bool b) return b ? "true" : "false";
            if (value is IDictionary || (value is IEnumerable && !(value is string))) return Serialize(value);
            var formattable = value as IFormattable;
            return formattable != null ? formattable.ToString(null, CultureInfo.InvariantCulture) : value.ToString();
        }

        // ------------------------------------------------------------------------------------ writing

        private static void Write(StringBuilder b, object value, int depth)
        {
            if (depth > 200) throw new FormatException("JSON 嵌套过深");
            if (value == null) { b.Append("null"); return; }
            var json = value as IJsonValue;
            if (json != null) { Write(b, json.ToJsonValue(), depth + 1); return; }
            var text = value as string;
            if (text != null) { WriteString(b, text); return; }
            if (value is bool flag) { b.Append(flag ? "true" : "false"); return; }
            if (value is decimal d) { b.Append(d.ToString(CultureInfo.InvariantCulture)); return; }
            if (value is double dbl) { b.Append(Finite(dbl).ToString("R", CultureInfo.InvariantCulture)); return; }
            if (value is float flt) { b.Append(Finite(flt).ToString("R", CultureInfo.InvariantCulture)); return; }
            if (value is DateTime time) { WriteString(b, time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)); return; }
            if (value is char c) { WriteString(b, c.ToString()); return; }
            if (value is Enum) { WriteString(b, value.ToString()); return; }
            if (value is sbyte || value is byte || value is short || value is ushort || value is int || value is uint
                || value is long || value is ulong)
            {
                b.Append(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture));
                return;
            }
            var map = value as IDictionary;
            if (map != null)
            {
                b.Append('{');
                bool first = true;
                foreach (DictionaryEntry entry in map)
                {
                    if (!first) b.Append(',');
                    first = false;
                    WriteString(b, Convert.ToString(entry.Key, CultureInfo.InvariantCulture));
                    b.Append(':');
                    Write(b, entry.Value, depth + 1);
                }
                b.Append('}');
                return;
            }
            var list = value as IEnumerable;
            if (list != null)
            {
                b.Append('[');
                bool first = true;
                foreach (object item in list)
                {
                    if (!first) b.Append(',');
                    first = false;
                    Write(b, item, depth + 1);
                }
                b.Append(']');
                return;
            }
            WriteString(b, Convert.ToString(value, CultureInfo.InvariantCulture));
        }

        private static double Finite(double value)
        {
            if (double.IsNaN(value) || double.IsInfinity(value)) throw new FormatException("JSON 不能表示 NaN 或无穷大");
            return value;
        }

        private static void WriteString(StringBuilder b, string s)
        {
            b.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': b.Append("\\\""); break;
                    case '\\': b.Append("\\\\"); break;
                    case '\n': b.Append("\\n"); break;
                    case '\r': b.Append("\\r"); break;
                    case '\t': b.Append("\\t"); break;
                    case '\b': b.Append("\\b"); break;
                    case '\f': b.Append("\\f"); break;
                    default:
                        if (c < 0x20 || c == '\u2028' || c == '\u2029') b.Append("\\u").Append(((int)c).ToString("x4"));
                        else b.Append(c);
                        break;
                }
            }
            b.Append('"');
        }

        // ------------------------------------------------------------------------------------ reading

        private sealed class Reader
        {
            private readonly string s;
            private int i;

            public Reader(string text) { s = text; }

            public bool AtEnd { get { return i >= s.Length; } }

            public FormatException Error(string what)
            {
                return new FormatException("JSON 解析失败（位置 " + i + "）: " + what);
            }

            public void SkipSpace()
            {
                while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
            }

            public object ReadValue(int depth)
            {
                if (depth > 200) throw Error("嵌套过深");
                if (AtEnd) throw Error("意外结束");
                char c = s[i];
                if (c == '{') return ReadObject(depth);
                if (c == '[') return ReadArray(depth);
                if (c == '"') return ReadString();
                if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber();
                if (Take("true")) return true;
                if (Take("false")) return false;
                if (Take("null")) return null;
                throw Error("意外的字符 '" + c + "'");
            }

            private bool Take(string word)
            {
                if (string.CompareOrdinal(s, i, word, 0, word.Length) != 0) return false;
                i += word.Length;
                return true;
            }

            private void Expect(char c)
            {
                if (AtEnd || s[i] != c) throw Error("应为 '" + c + "'");
                i++;
            }

            private Dictionary<string, object> ReadObject(int depth)
            {
                var result = new Dictionary<string, object>();
                Expect('{');
                SkipSpace();
                if (!AtEnd && s[i] == '}') { i++; return result; }
                while (true)
                {
                    SkipSpace();
                    if (AtEnd || s[i] != '"') throw Error("应为字符串键");
                    string key = ReadString();
                    SkipSpace();
                    Expect(':');
                    SkipSpace();
                    result[key] = ReadValue(depth + 1);
                    SkipSpace();
                    if (!AtEnd && s[i] == ',') { i++; continue; }
                    Expect('}');
                    return result;
                }
            }

            private List<object> ReadArray(int depth)
            {
                var result = new List<object>();
                Expect('[');
                SkipSpace();
                if (!AtEnd && s[i] == ']') { i++; return result; }
                while (true)
                {
                    SkipSpace();
                    result.Add(ReadValue(depth + 1));
                    SkipSpace();
                    if (!AtEnd && s[i] == ',') { i++; continue; }
                    Expect(']');
                    return result;
                }
            }

            private string ReadString()
            {
                Expect('"');
                var b = new StringBuilder();
                while (true)
                {
                    if (AtEnd) throw Error("字符串未结束");
                    char c = s[i++];
                    if (c == '"') return b.ToString();
                    if (c < 0x20) throw Error("字符串中有控制字符");
                    if (c != '\\') { b.Append(c); continue; }
                    if (AtEnd) throw Error("转义未结束");
                    char e = s[i++];
                    switch (e)
                    {
                        case '"': b.Append('"'); break;
                        case '\\': b.Append('\\'); break;
                        case '/': b.Append('/'); break;
                        case 'b': b.Append('\b'); break;
                        case 'f': b.Append('\f'); break;
                        case 'n': b.Append('\n'); break;
                        case 'r': b.Append('\r'); break;
                        case 't': b.Append('\t'); break;
                        case 'u':
                            if (i + 4 > s.Length) throw Error("\\u 转义不完整");
                            int code;
                            if (!int.TryParse(s.Substring(i, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out code))
                                throw Error("\\u 转义无效");
                            b.Append((char)code);
                            i += 4;
                            break;
                        default: throw Error("未知转义 \\" + e);
                    }
                }
            }

            private object ReadNumber()
            {
                int start = i;
                if (s[i] == '-') i++;
                if (AtEnd || !char.IsDigit(s[i])) throw Error("数字无效");
                if (s[i] == '0') i++;
                else while (!AtEnd && s[i] >= '0' && s[i] <= '9') i++;
                bool integral = true;
                if (!AtEnd && s[i] == '.')
                {
                    integral = false;
                    i++;
                    if (AtEnd || s[i] < '0' || s[i] > '9') throw Error("小数点后应有数字");
                    while (!AtEnd && s[i] >= '0' && s[i] <= '9') i++;
                }
                if (!AtEnd && (s[i] == 'e' || s[i] == 'E'))
                {
                    integral = false;
                    i++;
                    if (!AtEnd && (s[i] == '+' || s[i] == '-')) i++;
                    if (AtEnd || s[i] < '0' || s[i] > '9') throw Error("指数应有数字");
                    while (!AtEnd && s[i] >= '0' && s[i] <= '9') i++;
                }
                string text = s.Substring(start, i - start);
                long whole;
                if (integral && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out whole))
                    return whole;
                decimal exact;
                if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out exact) && Exact(text, exact))
                    return exact;
                throw Error("数字 " + text + " 超出 decimal 的精确范围");
            }

            // decimal.Parse rounds digits beyond 28-29 significant places: refuse instead of rounding
            private static bool Exact(string text, decimal parsed)
            {
                int e = text.IndexOfAny(new[] { 'e', 'E' });
                string mantissa = e < 0 ? text : text.Substring(0, e);
                string digits = mantissa.Replace("-", "").Replace(".", "").TrimStart('0').TrimEnd('0');
                if (digits.Length <= 28) return parsed != 0m || digits.Length == 0;
                return false;
            }
        }
    }
}

namespace MedicalInsurance.Sdk
{
    /// <summary>Base of the generated request nodes: typed properties, plus <see cref="Extra"/> for fields the table lacks.</summary>
    public abstract class JsonNode : IJsonValue
    {
        /// <summary>Further bureau fields (by their bureau name); they win over a typed property of the same name.</summary>
        public Dictionary<string, object> Extra { get; set; } = new Dictionary<string, object>();

        protected abstract void Collect(IDictionary<string, object> node);

        protected static void Put(IDictionary<string, object> node, string name, object value)
        {
            if (value != null) node[name] = value;
        }

        public object ToJsonValue()
        {
            var node = new Dictionary<string, object>();
            Collect(node);
            if (Extra != null) foreach (var pair in Extra) node[pair.Key] = pair.Value;
            return node;
        }
    }
}
