// Safetensors module
