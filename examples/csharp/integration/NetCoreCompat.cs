// NetCoreCompat.cs — 仅在 Mono / .NET Framework 4.x 上编译规范 §11.3.2 的两段 C# 代码时需要。
//
// 规范的代码是按 .NET 6+ 写的，用到了 .NET Framework 4.x（Mono 6.8 即是）没有的四样东西：
//   - System.Net.Http.Json:  HttpClient.PostAsJsonAsync、HttpContent.ReadFromJsonAsync
//   - System.Text.Json:      JsonSerializer.Serialize，以及自定义的类型要用的 [JsonPropertyName]
//   - File.WriteAllTextAsync / File.ReadAllTextAsync（.NET Core 2.0 起才有）
// 本文件以相同的名字和命名空间提供这些成员，且只提供这些，让规范的代码一字不改地编译。
// 在 .NET 6+ 上直接去掉本文件：框架自带的同名成员接手，其余代码不变。
//
// 行为与 .NET 的默认值一致：
//   - PostAsJsonAsync / ReadFromJsonAsync 用 JsonSerializerDefaults.Web：写出时属性名转 camelCase，
//     读入时属性名不区分大小写，数字也可从字符串读入；JsonSerializer.Serialize 保留声明的属性名。
//   - [JsonPropertyName("…")] 优先于以上规则；null 值照常写出；DateTime 写成 ISO 8601（"O" 格式）。
//   - 文本一律 UTF-8（无 BOM），中文原样往返。
// JSON 的解析与转义用 Mono 自带的 System.Web.Script.Serialization.JavaScriptSerializer
// （编译时引用 System.Web.Extensions.dll），本文件只负责对象与 JSON 树之间的映射。
//
// File：规范的代码写的是 File.WriteAllTextAsync(…)。本文件在代码自己的命名空间
// MedicalInsurance.Integration 里放一个 File 类：命名空间内的类型优先于 using System.IO 导入的
// System.IO.File，于是规范的调用落到这里；它转发 Exists/Delete 并补上两个 Async 方法。

using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Reflection;
using System.Text;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using System.Web.Script.Serialization;

namespace System.Text.Json.Serialization
{
    /// <summary>JSON 中的属性名（同 .NET 的 JsonPropertyNameAttribute）。</summary>
    [AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
    public sealed class JsonPropertyNameAttribute : Attribute
    {
        public JsonPropertyNameAttribute(string name)
        {
            Name = name;
        }

        public string Name { get; }
    }
}

namespace System.Text.Json
{
    public static class JsonSerializer
    {
        /// <summary>属性名按声明写出（.NET 的默认选项）。</summary>
        public static string Serialize<TValue>(TValue value)
        {
            return MedicalInsurance.Integration.Compat.JsonMapper.Write(value, camelCase: false);
        }
    }
}

namespace System.Net.Http.Json
{
    public static class HttpClientJsonExtensions
    {
        public static Task<HttpResponseMessage> PostAsJsonAsync<TValue>(
            this HttpClient client,
            string requestUri,
            TValue value,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            var json = MedicalInsurance.Integration.Compat.JsonMapper.Write(value, camelCase: true);
            var content = new StringContent(json, new UTF8Encoding(false), "application/json");
            return client.PostAsync(requestUri, content, cancellationToken);
        }
    }

    public static class HttpContentJsonExtensions
    {
        public static async Task<T> ReadFromJsonAsync<T>(
            this HttpContent content,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            var bytes = await content.ReadAsByteArrayAsync().ConfigureAwait(false);
            var charset = content.Headers.ContentType?.CharSet;
            var encoding = string.IsNullOrEmpty(charset) ? Encoding.UTF8 : Encoding.GetEncoding(charset.Trim('"'));
            return MedicalInsurance.Integration.Compat.JsonMapper.Read<T>(encoding.GetString(bytes));
        }
    }
}

namespace MedicalInsurance.Integration
{
    /// <summary>System.IO.File 加上 .NET Core 的 ReadAllTextAsync / WriteAllTextAsync（UTF-8，无 BOM）。</summary>
    internal static class File
    {
        private static readonly Encoding Utf8 = new UTF8Encoding(false);

        public static bool Exists(string path) => System.IO.File.Exists(path);

        public static void Delete(string path) => System.IO.File.Delete(path);

        public static async Task WriteAllTextAsync(
            string path,
            string contents,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var writer = new StreamWriter(path, false, Utf8))
            {
                await writer.WriteAsync(contents).ConfigureAwait(false);
            }
        }

        public static async Task<string> ReadAllTextAsync(
            string path,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var reader = new StreamReader(path, Utf8, detectEncodingFromByteOrderMarks: true))
            {
                return await reader.ReadToEndAsync().ConfigureAwait(false);
            }
        }
    }
}

namespace MedicalInsurance.Integration.Compat
{
    /// <summary>对象 ⇄ JSON：JavaScriptSerializer 处理文本，这里处理命名规则与类型映射。</summary>
    internal static class JsonMapper
    {
        private static JavaScriptSerializer Text()
        {
            return new JavaScriptSerializer { MaxJsonLength = int.MaxValue, RecursionLimit = 256 };
        }

        public static string Write(object value, bool camelCase)
        {
            return Text().Serialize(ToTree(value, camelCase));
        }

        public static T Read<T>(string json)
        {
            return (T)FromTree(Text().DeserializeObject(json), typeof(T), "$");
        }

        // ------------------------------------------------------------------ object → JSON tree

        private static object ToTree(object value, bool camelCase)
        {
            if (value == null || value is string || value is bool || value is decimal || value is double
                || value is float || value is int || value is long || value is short || value is byte
                || value is uint || value is ulong || value is ushort || value is sbyte)
            {
                return value;
            }
            if (value is char) return value.ToString();
            if (value is Enum) return Convert.ToInt64(value, CultureInfo.InvariantCulture);
            if (value is DateTime) return ((DateTime)value).ToString("O", CultureInfo.InvariantCulture);
            if (value is DateTimeOffset) return ((DateTimeOffset)value).ToString("O", CultureInfo.InvariantCulture);
            if (value is Guid) return value.ToString();
            var dictionary = value as IDictionary;
            if (dictionary != null)
            {
                var node = new Dictionary<string, object>();
                foreach (DictionaryEntry entry in dictionary)  // keys as they are, like .NET's defaults
                {
                    node[Convert.ToString(entry.Key, CultureInfo.InvariantCulture)] = ToTree(entry.Value, camelCase);
                }
                return node;
            }
            var sequence = value as IEnumerable;
            if (sequence != null)
            {
                var list = new List<object>();
                foreach (var item in sequence) list.Add(ToTree(item, camelCase));
                return list;
            }
            var members = new Dictionary<string, object>();
            foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (!property.CanRead || property.GetIndexParameters().Length > 0) continue;
                members[JsonName(property, camelCase)] = ToTree(property.GetValue(value, null), camelCase);
            }
            return members;
        }

        private static string JsonName(PropertyInfo property, bool camelCase)
        {
            var named = property.GetCustomAttribute<JsonPropertyNameAttribute>();
            if (named != null) return named.Name;
            return camelCase ? CamelCase(property.Name) : property.Name;
        }

        /// <summary>.NET 的 JsonNamingPolicy.CamelCase：开头连续的大写字母转小写（"URLValue" → "urlValue"）。</summary>
        private static string CamelCase(string name)
        {
            if (string.IsNullOrEmpty(name) || !char.IsUpper(name[0])) return name;
            var chars = name.ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                if (i == 1 && !char.IsUpper(chars[i])) break;
                var hasNext = i + 1 < chars.Length;
                if (i > 0 && hasNext && !char.IsUpper(chars[i + 1]))
                {
                    if (chars[i + 1] == ' ') chars[i] = char.ToLowerInvariant(chars[i]);
                    break;
                }
                chars[i] = char.ToLowerInvariant(chars[i]);
            }
            return new string(chars);
        }

        // ------------------------------------------------------------------ JSON tree → object

        private static object FromTree(object node, Type type, string path)
        {
            var underlying = Nullable.GetUnderlyingType(type);
            if (node == null)
            {
                if (type.IsValueType && underlying == null) throw Mismatch(path, node, type);
                return null;
            }
            if (underlying != null) type = underlying;
            if (type == typeof(object)) return node;
            if (type == typeof(string))
            {
                if (node is string) return node;
                throw Mismatch(path, node, type);
            }
            if (type == typeof(bool))
            {
                if (node is bool) return node;
                throw Mismatch(path, node, type);
            }
            if (IsNumber(type)) return ReadNumber(node, type, path);
            if (type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid))
            {
                var text = node as string;
                if (text == null) throw Mismatch(path, node, type);
                try
                {
                    if (type == typeof(Guid)) return Guid.Parse(text);
                    if (type == typeof(DateTime))
                        return DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                    return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
                }
                catch (FormatException)
                {
                    throw Mismatch(path, node, type);
                }
            }
            var items = node as IList;
            if (type.IsArray)
            {
                if (items == null) throw Mismatch(path, node, type);
                var element = type.GetElementType();
                var array = Array.CreateInstance(element, items.Count);
                for (var i = 0; i < items.Count; i++) array.SetValue(FromTree(items[i], element, $"{path}[{i}]"), i);
                return array;
            }
            var listElement = GenericArgument(type, typeof(List<>), typeof(IList<>), typeof(ICollection<>),
                typeof(IEnumerable<>), typeof(IReadOnlyList<>), typeof(IReadOnlyCollection<>));
            if (listElement != null)
            {
                if (items == null) throw Mismatch(path, node, type);
                var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(listElement));
                for (var i = 0; i < items.Count; i++) list.Add(FromTree(items[i], listElement, $"{path}[{i}]"));
                return list;
            }
            var members = node as IDictionary<string, object>;
            if (members == null) throw Mismatch(path, node, type);
            var valueType = DictionaryValueType(type);
            if (valueType != null)
            {
                var mapType = typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType);
                var map = (IDictionary)Activator.CreateInstance(mapType);
                foreach (var member in members)
                {
                    map[member.Key] = FromTree(member.Value, valueType, $"{path}.{member.Key}");
                }
                return map;
            }
            var target = Activator.CreateInstance(type);
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (!property.CanWrite || property.GetIndexParameters().Length > 0) continue;
                var name = JsonName(property, camelCase: false);
                foreach (var member in members)  // case-insensitive, as JsonSerializerDefaults.Web reads
                {
                    if (string.Equals(member.Key, name, StringComparison.OrdinalIgnoreCase))
                    {
                        var value = FromTree(member.Value, property.PropertyType, $"{path}.{member.Key}");
                        property.SetValue(target, value, null);
                        break;
                    }
                }
            }
            return target;
        }

        private static bool IsNumber(Type type)
        {
            return type == typeof(int) || type == typeof(long) || type == typeof(decimal) || type == typeof(double)
                || type == typeof(float) || type == typeof(short) || type == typeof(byte) || type == typeof(uint)
                || type == typeof(ulong) || type == typeof(ushort) || type == typeof(sbyte);
        }

        private static object ReadNumber(object node, Type type, string path)
        {
            if (node is bool || !(node is IConvertible)) throw Mismatch(path, node, type);
            try
            {
                var text = node as string;  // JsonNumberHandling.AllowReadingFromString (Web defaults)
                var number = text != null
                    ? decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)
                    : Convert.ToDecimal(node, CultureInfo.InvariantCulture);
                var integral = type != typeof(decimal) && type != typeof(double) && type != typeof(float);
                if (integral && decimal.Truncate(number) != number) throw Mismatch(path, node, type);  // 1.5
                return Convert.ChangeType(number, type, CultureInfo.InvariantCulture);
            }
            catch (Exception error) when (error is OverflowException || error is InvalidCastException)
            {
                throw Mismatch(path, node, type);
            }
            catch (FormatException)
            {
                throw Mismatch(path, node, type);
            }
        }

        private static Type GenericArgument(Type type, params Type[] definitions)
        {
            if (!type.IsGenericType) return null;
            var definition = type.GetGenericTypeDefinition();
            foreach (var candidate in definitions)
            {
                if (definition == candidate) return type.GetGenericArguments()[0];
            }
            return null;
        }

        private static Type DictionaryValueType(Type type)
        {
            if (!type.IsGenericType) return null;
            var definition = type.GetGenericTypeDefinition();
            var arguments = type.GetGenericArguments();
            var isMap = definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>)
                || definition == typeof(IReadOnlyDictionary<,>);
            return isMap && arguments[0] == typeof(string) ? arguments[1] : null;
        }

        private static FormatException Mismatch(string path, object node, Type type)
        {
            var found = node == null ? "null" : node.GetType().Name;
            return new FormatException($"JSON 值 {path}（{found}）不能转换为 {type.Name}");
        }
    }
}
