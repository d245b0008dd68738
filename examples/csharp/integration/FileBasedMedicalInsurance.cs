// 规范 §11.3.2 方案三「HIS系统文件输出」的 C# 类，尽量保持规范原文；
// 每处改动都以「// 与规范不同：…」标出。另一端是文件监控服务 `yibao integrate watch --input … --output …`：
// 它读取输入目录中的 *.json 请求文件，把结果写成输出目录中的 <文件名>_result.json 或 <文件名>_error.json
// （内容都是网关的通用响应格式 §1.3，先写临时文件再原子改名，读到的总是完整文件）。

// 与规范不同：规范的代码片段省略了 using 与命名空间，这里补上才能编译。
using System;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;

namespace MedicalInsurance.Integration
{
    // HIS系统输出文件调用医保接口
    public class FileBasedMedicalInsurance
    {
        // 与规范不同：规范写死 C:\data\medical-insurance\input 与 …\output，这里由构造函数传入两个目录，
        // 须与 `yibao integrate watch` 的 --input、--output 一致。
        private readonly string _inputPath;
        private readonly string _outputPath;

        public FileBasedMedicalInsurance(string inputPath, string outputPath)
        {
            _inputPath = inputPath;
            _outputPath = outputPath;
        }

        public async Task<string> CallMedicalInterface(string interfaceType, object data)
        {
            // 生成唯一文件名
            var fileName = $"{interfaceType}_{DateTime.Now:yyyyMMddHHmmss}_{Guid.NewGuid():N}.json";
            var inputFile = Path.Combine(_inputPath, fileName);
            var resultFile = Path.Combine(_outputPath, fileName.Replace(".json", "_result.json"));
            var errorFile = Path.Combine(_outputPath, fileName.Replace(".json", "_error.json"));

            // 写入请求文件
            var requestData = new
            {
                interface_type = interfaceType,
                data = data,
                request_id = Guid.NewGuid().ToString(),
                timestamp = DateTime.Now
            };

            // 按规范直接写到最终文件名：监控服务等文件大小与修改时间稳定后才读取，所以这样也能工作。
            // 更稳妥的写法是先写 inputFile + ".tmp"（监控服务忽略 .tmp），再 File.Move 成 inputFile。
            await File.WriteAllTextAsync(inputFile, JsonSerializer.Serialize(requestData));

            // 等待结果文件
            var timeout = TimeSpan.FromSeconds(30);
            var startTime = DateTime.Now;

            while (DateTime.Now - startTime < timeout)
            {
                if (File.Exists(resultFile))
                {
                    var result = await File.ReadAllTextAsync(resultFile);
                    File.Delete(resultFile);
                    return result;
                }

                if (File.Exists(errorFile))
                {
                    var error = await File.ReadAllTextAsync(errorFile);
                    File.Delete(errorFile);
                    throw new Exception($"医保接口调用失败: {error}");
                }

                await Task.Delay(500);
            }

            throw new TimeoutException("医保接口调用超时");
        }
    }
}
