const t=()=>performance.now(); let a=t(); const T0=a;
const step=(n)=>{const b=t(); console.error(n, (b-a).toFixed(0), 'total', (b-T0).toFixed(0)); a=b;};
require('@pulumi/pulumi'); step('pulumi');
const r=require('./bin/scripts/render.js'); step('load');
const {loadStackConfig}=require('./bin/scripts/stackConfig.js');
const {evaluate}=require('./bin/scripts/engine.js');
(async()=>{
 const sc=loadStackConfig(r.ROOT,'prod'); step('config');
 const program=require('./bin/index.js'); step('index');
 const ev=await evaluate(program,{project:sc.project,stack:'prod',config:sc.config,secretKeys:sc.secretKeys}); step('evaluate');
 r.manifestsYaml(ev); step('manifests');
 r.resourcesJson(ev); step('json');
 const ev2=await evaluate(program,{project:sc.project,stack:'prod',config:sc.config,secretKeys:sc.secretKeys}); step('evaluate2');
})();
