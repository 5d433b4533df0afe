{
  "variables": {
    "x86%": "<!(node -p \"['x64','ia32'].includes(process.arch) ? 1 : 0\")"
  },
  "target_defaults": {
    "include_dirs": ["native", "native/include"],
    "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
    "cflags": ["-fPIC", "-O3", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter"],
    "cflags_cc": ["-std=gnu++17"],
    "conditions": [
      ["x86==1", {"defines": ["DENDRITE_HAVE_X86_KERNELS"]}]
    ]
  },
  "targets": [
    {
      "target_name": "dendrite",
      "sources": [
        "<!@(node -p \"require('./native/sources.json').bindings.join(' ')\")",
        "<!@(node -p \"require('./native/sources.json').baseline.join(' ')\")"
      ],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "conditions": [
        ["x86==1", {"dependencies": ["dendrite_avx2", "dendrite_avx512"]}]
      ]
    }
  ],
  "conditions": [
    ["x86==1", {
      "targets": [
        {
          "target_name": "dendrite_avx2",
          "type": "static_library",
          "sources": ["<!@(node -p \"require('./native/sources.json').avx2.join(' ')\")"],
          "cflags": ["<!@(node -p \"require('./native/sources.json').flags.avx2.join(' ')\")"]
        },
        {
          "target_name": "dendrite_avx512",
          "type": "static_library",
          "sources": ["<!@(node -p \"require('./native/sources.json').avx512.join(' ')\")"],
          "cflags": ["<!@(node -p \"require('./native/sources.json').flags.avx512.join(' ')\")"]
        }
      ]
    }]
  ]
}
